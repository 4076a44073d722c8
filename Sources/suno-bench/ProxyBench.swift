import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoUpstream

/// The submit proxy's added latency: the same client (libcurl, keep-alive) submits music tasks to the
/// simulator directly and through the exporter (`serve --proxy`: forward, read the id, register it in
/// SQLite, answer), alternating request by request so both see the same machine load. Then the CPU of
/// each path, in separate phases of the same run (the proxied one includes the snapshot publishes its
/// registrations ask for).
enum ProxyBench {
    struct Result {
        var submits: Int
        var direct: [Double]
        var proxied: [Double]
        var directCPU: Double
        var proxiedCPU: Double

        static func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }
    }

    static func run(submits: Int = 3_000) async throws -> Result {
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(), logger: Measure.quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let scratch = try ScratchDirectory("proxy")
        defer { scratch.remove() }
        let configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), baseURL: simulator.baseURL,
            storagePath: scratch.path("exporter.db"), proxy: ProxySettings(timeout: 30, maxInFlight: 8))
        let assembly = try ExporterApp.assemble(configuration, baseURL: simulator.baseURL, logger: Measure.quietLogger)
        let port = try assembly.server.start()
        defer { assembly.server.stop() }

        // The blocking client runs on a thread of its own, off the cooperative pool.
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "suno-bench.proxy").async {
                continuation.resume(
                    with: Swift.Result {
                        try measure(
                            direct: simulator.baseURL, proxied: "http://127.0.0.1:\(port)", submits: submits)
                    })
            }
        }
    }

    private static func measure(direct: String, proxied: String, submits: Int) throws -> Result {
        let client = PassThroughTransport(maxIdleConnections: 2, maximumBodyBytes: 1 << 20)
        func submit(_ base: String, _ index: Int) throws -> Double {
            let request = PassThroughRequest(
                method: .post, url: base + "/suno/submit/music",
                headers: ["Content-Type: application/json", "Authorization: Bearer sk-bench-client", "Expect:"],
                body: Array(#"{"gpt_description_prompt":"bench \#(index)","mv":"chirp-v4"}"#.utf8))
            let started = Measure.wallSeconds()
            guard case .answer(let answer) = client.performBlocking(request, timeout: .seconds(30)),
                answer.status == 200
            else { throw BenchError("a submit failed") }
            return Measure.wallSeconds() - started
        }
        for index in 0..<50 {
            _ = try submit(direct, index)
            _ = try submit(proxied, index)
        }
        var result = Result(submits: submits, direct: [], proxied: [], directCPU: 0, proxiedCPU: 0)
        for index in 0..<submits {
            result.direct.append(try submit(direct, index))
            result.proxied.append(try submit(proxied, index))
        }
        // Each phase is followed by a quiet spell longer than the publish gap, so the snapshot publishes
        // that registrations ask for are charged to the proxied phase that caused them.
        func phaseCPU(_ base: String) throws -> Double {
            Thread.sleep(forTimeInterval: 1.5)
            let cpu = Measure.processCPUSeconds()
            for index in 0..<submits { _ = try submit(base, index) }
            Thread.sleep(forTimeInterval: 1.5)
            return (Measure.processCPUSeconds() - cpu) / Double(submits)
        }
        result.directCPU = try phaseCPU(direct)
        result.proxiedCPU = try phaseCPU(proxied)
        return result
    }
}
