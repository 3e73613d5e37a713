#if canImport(Glibc)
    import Glibc
#endif

/// The standard `process_*` series (the names the Prometheus client libraries
/// use, so stock dashboards and alerts work) plus `realtime_build_info`, rendered
/// as exposition text. Read from /proc/self at scrape time: there is nothing to
/// keep between scrapes, and no global metrics system to bootstrap.
public enum ProcessMetrics {
    /// `component` is "edge" or "coordinator": both may run in one pod's view.
    public static func render(component: String) -> String {
        var text = "# HELP realtime_build_info Build of the running process; the value is always 1.\n"
        text += "# TYPE realtime_build_info gauge\n"
        text += "realtime_build_info{version=\"\(RealtimeVersion.current)\",component=\"\(component)\"} 1\n"
        for sample in samples() {
            text += "# HELP \(sample.name) \(sample.help)\n# TYPE \(sample.name) \(sample.type)\n"
            text += "\(sample.name) \(sample.value)\n"
        }
        return text + ProcessLatencies.render()
    }

    struct Sample {
        var name: String
        var type: String
        var help: String
        var value: Double
    }

    static func samples() -> [Sample] {
        #if os(Linux)
            var out: [Sample] = []
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
            if let stat = readProcFile("/proc/self/stat").flatMap(StatFields.init), ticks > 0 {
                out.append(
                    Sample(
                        name: "process_cpu_seconds_total", type: "counter",
                        help: "User and system CPU time spent, in seconds.",
                        value: (stat.utime + stat.stime) / ticks))
                out.append(
                    Sample(
                        name: "process_resident_memory_bytes", type: "gauge",
                        help: "Resident memory size in bytes.", value: stat.rssPages * pageSize))
                out.append(
                    Sample(
                        name: "process_virtual_memory_bytes", type: "gauge",
                        help: "Virtual memory size in bytes.", value: stat.vsize))
                if let boot = bootTime() {
                    out.append(
                        Sample(
                            name: "process_start_time_seconds", type: "gauge",
                            help: "Start time of the process since the Unix epoch, in seconds.",
                            value: boot + stat.startTicks / ticks))
                }
            }
            if let open = openDescriptors() {
                out.append(
                    Sample(
                        name: "process_open_fds", type: "gauge",
                        help: "Number of open file descriptors.", value: Double(open)))
            }
            var limit = rlimit()
            if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
                out.append(
                    Sample(
                        name: "process_max_fds", type: "gauge",
                        help: "Maximum number of open file descriptors.", value: Double(limit.rlim_cur)))
            }
            return out
        #else
            return []
        #endif
    }
}

/// The /proc/self/stat fields used above (proc(5)); the command name is in
/// parentheses and may hold spaces, so fields are counted after the last ')'.
struct StatFields {
    var utime: Double
    var stime: Double
    var startTicks: Double
    var vsize: Double
    var rssPages: Double

    init?(_ text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is index 0, so field n is index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ n: Int) -> Double? { fields.count > n - 3 ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22),
            let vsize = field(23), let rss = field(24)
        else { return nil }
        self.utime = utime
        self.stime = stime
        self.startTicks = start
        self.vsize = vsize
        self.rssPages = rss
    }
}
