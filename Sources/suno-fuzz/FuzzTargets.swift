import Foundation

/// A fuzz target: a name (its corpus folder under Tests/fuzz/corpus) and what one input goes through.
/// A harness that finds a broken property stops the process with `FuzzCheck.fail`, which libFuzzer
/// records as a crash together with the input.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "gateway-decoder", run: GatewayDecoderFuzz.run),
        FuzzTarget(name: "api-bodies", run: APIBodiesFuzz.run),
        FuzzTarget(name: "content-negotiation", run: ContentNegotiationFuzz.run),
        FuzzTarget(name: "flags", run: FlagsFuzz.run),
        FuzzTarget(name: "exposition", run: ExpositionFuzz.run),
    ]

    struct UnknownTarget: Error, CustomStringConvertible {
        let description: String
    }

    static func fromEnvironment() throws(UnknownTarget) -> FuzzTarget {
        let names = all.map(\.name).joined(separator: ", ")
        guard let name = unsafe getenv("SUNO_FUZZ_TARGET").map({ unsafe String(cString: $0) }) else {
            throw UnknownTarget(description: "set SUNO_FUZZ_TARGET to one of: \(names)")
        }
        guard let target = all.first(where: { $0.name == name }) else {
            throw UnknownTarget(description: "unknown SUNO_FUZZ_TARGET \"\(name)\"; targets: \(names)")
        }
        return target
    }
}
