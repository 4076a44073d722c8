// `make bench`: every benchmark of README "Benchmarks", one table on stdout.
// Hidden subcommands run parts of a benchmark in child processes (see ChildProcess).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case SimulatorChild.command:
    SimulatorChild.run(arguments: Array(arguments.dropFirst()))
default:
    let sizes = arguments.first == "collector100k" ? [100_000] : [10_000, 100_000]
    for tasks in sizes {
        let result = try await CollectorBench.run(tasks: tasks)
        print(result)
    }
}
