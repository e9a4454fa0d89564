import Testing

@testable import BoxBridgeConfig

@Suite("Durations and sizes")
struct DurationTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("10s", .seconds(10)), ("5m", .seconds(300)),
        ("24h", .seconds(86_400)), ("14d", .seconds(14 * 86_400)), ("0s", .zero),
    ])
    func parsesEachUnit(text: String, expected: Duration) {
        #expect(parseConfigDuration(text) == expected)
    }

    @Test(arguments: ["", "10", "s", "-5s", "1.5s", "10 s", "10sec", "5M", "+3s", "99999999999999999999d", "9223372036854775807d"])
    func rejectsMalformed(text: String) {
        #expect(parseConfigDuration(text) == nil)
    }

    @Test func formatsInLargestUnit() {
        #expect(formatConfigDuration(.seconds(14 * 86_400)) == "14d")
        #expect(formatConfigDuration(.seconds(90)) == "90s")
        #expect(formatConfigDuration(.milliseconds(2)) == "2ms")
        #expect(formatConfigDuration(.seconds(3600)) == "1h")
    }

    @Test func byteSizes() {
        #expect(parseConfigByteSize("64MiB") == 64 << 20)
        #expect(parseConfigByteSize("10GiB") == 10 << 30)
        #expect(parseConfigByteSize("500MB") == 500_000_000)
        #expect(parseConfigByteSize("123") == 123)
        #expect(parseConfigByteSize("12 KiB") == 12 << 10)
        #expect(parseConfigByteSize("1.5GiB") == nil)
        #expect(parseConfigByteSize("lots") == nil)
        #expect(parseConfigByteSize("99999999999TiB") == nil)
    }
}
