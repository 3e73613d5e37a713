import Testing

@testable import SocketIOProtocol

@Suite("JSONValue accessors and literals")
struct JSONValueTests {
    @Test func literalsBuildTheExpectedCases() {
        let value: JSONValue = ["s": "x", "i": 4, "d": 1.5, "b": true, "n": nil, "a": [1, "two"]]
        #expect(value["s"] == .string("x"))
        #expect(value["i"] == .number(4))
        #expect(value["d"] == .number(1.5))
        #expect(value["b"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.number(1), .string("two")]))
    }

    @Test func duplicateDictionaryLiteralKeysKeepTheLastValue() {
        let value: JSONValue = ["k": 1, "k": 2]
        #expect(value == .object(["k": .number(2)]))
    }

    @Test func subscriptIsNilForMissingKeysAndNonObjects() {
        let object: JSONValue = ["a": 1]
        #expect(object["b"] == nil)
        #expect(JSONValue.array([1])["a"] == nil)
        #expect(JSONValue.string("a")["a"] == nil)
    }

    @Test func typedAccessorsOnlyMatchTheirOwnCase() {
        let string: JSONValue = "hi"
        #expect(string.stringValue == "hi")
        #expect(string.boolValue == nil)
        #expect(string.doubleValue == nil)
        #expect(string.intValue == nil)
        #expect(string.objectValue == nil)
        #expect(string.arrayValue == nil)
        #expect(!string.isNull)

        #expect(JSONValue.bool(false).boolValue == false)
        #expect(JSONValue.number(2.5).doubleValue == 2.5)
        #expect(JSONValue.array([1]).arrayValue == [1])
        #expect(JSONValue.object(["a": 1]).objectValue == ["a": 1])
        #expect(JSONValue.null.isNull)
    }

    @Test func intValueRequiresAnIntegralInRangeNumber() {
        #expect(JSONValue.number(42).intValue == 42)
        #expect(JSONValue.number(-7).intValue == -7)
        #expect(JSONValue.number(-0.0).intValue == 0)
        #expect(JSONValue.number(1.5).intValue == nil)
        #expect(JSONValue.number(1e300).intValue == nil)
        #expect(JSONValue.number(.nan).intValue == nil)
        #expect(JSONValue.number(.infinity).intValue == nil)
        #expect(JSONValue.string("1").intValue == nil)
    }

    @Test func descriptionIsCompactJSON() {
        let value: JSONValue = ["b": [1, 2], "a": "x"]
        #expect(value.description == #"{"a":"x","b":[1,2]}"#)
    }
}
