// `make bench`: every benchmark of README "Benchmarks", one table on stdout.
// Hidden subcommands run parts of a benchmark in child processes (see ChildProcess).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case SimulatorChild.command:
    SimulatorChild.run(arguments: Array(arguments.dropFirst()))
default:
    for tasks in [10_000, 100_000] {
        let result = try await CollectorBench.run(tasks: tasks)
        print(result)
    }
}
