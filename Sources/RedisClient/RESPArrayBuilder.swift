/// An array reply under construction. Leaves are appended as they are parsed;
/// nested arrays are completed later, so they get a placeholder slot that is
/// filled in `build()`. Most replies (e.g. pub/sub messages) have no nesting
/// and skip that second pass.
final class RESPArrayBuilder {
    private var elements: [RESPValue]
    private var nested: [(index: Int, builder: RESPArrayBuilder)] = []

    init(capacity: Int) {
        self.elements = []
        self.elements.reserveCapacity(capacity)
    }

    func append(_ value: RESPValue) {
        self.elements.append(value)
    }

    func append(_ builder: RESPArrayBuilder) {
        self.nested.append((self.elements.count, builder))
        self.elements.append(.array(nil))
    }

    func build() -> [RESPValue] {
        for (index, builder) in self.nested {
            self.elements[index] = .array(builder.build())
        }
        self.nested = []
        return self.elements
    }
}
