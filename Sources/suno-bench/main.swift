import Foundation

// `make bench`: the benchmarks of README "Benchmarks", one table on stdout (progress on stderr).
// `suno-bench [section…]` runs some sections only. The double-underscore subcommands are the child
// processes the benchmarks start themselves (see ChildProcess); they are not meant to be run by hand.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case SimulatorChild.command:
    SimulatorChild.run(arguments: Array(arguments.dropFirst()))
case ExporterChild.command:
    await ExporterChild.run(arguments: Array(arguments.dropFirst()))
default:
    do {
        try await BenchRunner.run(sections: arguments)
    } catch {
        FileOutput.standardError("suno-bench: \(error)\n")
        exit(1)
    }
}
