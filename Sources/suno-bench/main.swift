// `make bench`: every benchmark of README "Benchmarks", one table on stdout.
// Hidden subcommands run parts of a benchmark in child processes (see ChildProcess).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case SimulatorChild.command:
    SimulatorChild.run(arguments: Array(arguments.dropFirst()))
case ExporterChild.command:
    await ExporterChild.run(arguments: Array(arguments.dropFirst()))
case "exp":
    try StoreExperiment.run()
case "fetch":
    try await FetchExperiment.run()
case "decode":
    print(try await DecodeBench.run())
case "metrics":
    print(try MetricsBench.run())
    print(try MetricsBench.runHistory())
case "memory":
    print(try await MemoryBench.run())
case "gateway":
    print(try await GatewayEfficiencyBench.run(tasksPerMinute: 12))
    print(try await GatewayEfficiencyBench.run(tasksPerMinute: 600))
case "store":
    print(try StoreBench.run(tasks: 100_000))
default:
    let sizes = arguments.first == "collector100k" ? [100_000] : [10_000, 100_000]
    for tasks in sizes {
        let result = try await CollectorBench.run(tasks: tasks)
        print(result)
    }
}
