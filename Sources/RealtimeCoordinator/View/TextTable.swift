/// A plain terminal table: a header row, aligned columns, no colours (it is as
/// readable in a pipe or a log as on a terminal).
struct TextTable {
    enum Alignment { case left, right }

    var columns: [(title: String, alignment: Alignment)]
    var rows: [[String]] = []

    func render() -> String {
        var widths = columns.map(\.title.count)
        for row in rows {
            for (i, value) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], value.count)
            }
        }
        func line(_ values: [String]) -> String {
            zip(values, zip(widths, columns)).map { value, format in
                let padding = String(repeating: " ", count: format.0 - value.count)
                return format.1.alignment == .left ? value + padding : padding + value
            }
            .joined(separator: "  ")
            .replacing(/\s+$/, with: "")
        }
        return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n")
    }
}
