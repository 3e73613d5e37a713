import ArgumentParser
import Foundation
import RealtimeCoordinator

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `realtime nodes`: the nodes table of a coordinator's `/cluster`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "Print the cluster's nodes as a coordinator sees them.")

    @OptionGroup var options: ClusterQueryOptions

    func run() async throws {
        try await options.print(.nodes)
    }
}

/// `realtime stats`: the cluster totals of a coordinator's `/cluster`.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the cluster totals as a coordinator sees them.")

    @OptionGroup var options: ClusterQueryOptions

    func run() async throws {
        try await options.print(.stats)
    }
}

struct ClusterQueryOptions: ParsableArguments {
    @Option(help: "Coordinator base URL (REALTIME_COORDINATOR).") var coordinator: String?
    @Flag(help: "Print the /cluster JSON document as is.") var json = false

    func print(_ kind: ClusterReport.Kind) async throws {
        let base = coordinator ?? Env.value("REALTIME_COORDINATOR") ?? "http://127.0.0.1:8090"
        let body = try await fetchCluster(base: base)
        if json {
            FileHandle.standardOutput.write(Data(body))
            FileHandle.standardOutput.write(Data("\n".utf8))
            return
        }
        do {
            Swift.print(try ClusterReport.render(kind, clusterJSON: body), terminator: "")
        } catch {
            throw RuntimeError("\(base): \(error)")
        }
    }

    private func fetchCluster(base: String) async throws -> [UInt8] {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: trimmed + "/cluster"), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--coordinator must be an http(s) URL, got \(base)")
        }
        var request = URLRequest(url: url, timeoutInterval: 5)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        // An operator's proxy settings must not reroute a query meant for the cluster.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw RuntimeError("cannot reach the coordinator at \(trimmed): \(error.localizedDescription)")
        }
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            throw RuntimeError("\(url.absoluteString) answered HTTP \(http.statusCode)")
        }
        return [UInt8](data)
    }
}

/// A failure worth one line on stderr and a non-zero exit, not a usage message.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
