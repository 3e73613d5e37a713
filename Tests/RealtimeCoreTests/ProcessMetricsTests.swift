import Testing

@testable import RealtimeCore

@Suite("Process metrics from /proc")
struct ProcessMetricsTests {
    @Test("stat fields are counted after the last ')', whatever the command name holds")
    func statWithAwkwardCommandName() throws {
        // proc(5): pid (comm) state ppid … utime(14) stime(15) … starttime(22) vsize(23) rss(24)
        let line =
            "4242 (real time) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 "
            + "120 30 0 0 20 0 8 0 98765 1048576 256 18446744073709551615"
        let fields = try #require(StatFields(line))
        #expect(fields.utime == 120 && fields.stime == 30)
        #expect(fields.startTicks == 98765 && fields.vsize == 1_048_576 && fields.rssPages == 256)
        #expect(StatFields("no parenthesis") == nil)
    }

    @Test("build info and the process families, each with HELP and TYPE")
    func rendered() {
        let text = ProcessMetrics.render(component: "edge")
        #expect(text.contains("realtime_build_info{version=\"\(RealtimeVersion.current)\",component=\"edge\"} 1\n"))
        #if os(Linux)
            for family in [
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes",
            ] {
                #expect(text.contains("# HELP \(family) "), "\(family)")
                #expect(text.contains("# TYPE \(family) "), "\(family)")
            }
        #endif
    }
}
