/// Everything a snapshot is built from. Gathered by the app once per cycle (never per scrape).
public struct CatalogueInput: Sendable {
    public var aggregates: [AggregateCell: Double]
    public var exemplars: [AggregateCell: Exemplar]
    /// Active tasks grouped by raw model; labels are applied here.
    public var groups: [ActiveGroup]
    public var failureWindows: [FailureWindow]
    public var labeler: ModelLabeler
    public var selfMetrics: SelfMetricsSnapshot
    public var storeSizeBytes: Double
    public var buildInfo: BuildInfo
    /// Failed store operations since the process started.
    public var storeErrors: [StoreOperation: Double] = [:]

    public init(
        aggregates: [AggregateCell: Double] = [:], exemplars: [AggregateCell: Exemplar] = [:],
        groups: [ActiveGroup] = [],
        failureWindows: [FailureWindow] = [], labeler: ModelLabeler,
        selfMetrics: SelfMetricsSnapshot = SelfMetricsSnapshot(),
        storeSizeBytes: Double = 0, buildInfo: BuildInfo
    ) {
        self.aggregates = aggregates
        self.exemplars = exemplars
        self.groups = groups
        self.failureWindows = failureWindows
        self.labeler = labeler
        self.selfMetrics = selfMetrics
        self.storeSizeBytes = storeSizeBytes
        self.buildInfo = buildInfo
    }
}

/// The metric catalogue of DESIGN.md §3: names, HELP texts, types and zero-initialised series.
public enum MetricsCatalogue {
    static let fromLastPoll = "Values come from the exporter's last poll of the gateway, not from this scrape."
    public static let failureWindows: [(name: String, seconds: Double)] = [
        ("15m", 900), ("1h", 3_600), ("24h", 86_400),
    ]
    public static let registrationSources = ["api", "cli", "hook", "demo", "proxy"]

    public static func families(_ input: CatalogueInput) -> [MetricFamily] {
        taskFamilies(input) + collectorFamilies(input)
    }

    /// Every model label that gets zero-initialised series: `unknown`, every admitted model,
    /// and any label already present in persisted aggregates (e.g. `other`).
    static func modelLabels(_ input: CatalogueInput) -> [String] {
        var labels = Set(input.labeler.admitted)
        labels.insert(ModelName.unknown)
        for cell in input.aggregates.keys where !cell.model.isEmpty { labels.insert(cell.model) }
        for group in input.groups { labels.insert(input.labeler.existingLabel(for: group.model)) }
        return labels.sorted()
    }

    static func taskFamilies(_ input: CatalogueInput) -> [MetricFamily] {
        let models = modelLabels(input)
        let pairs = TaskAction.allCases.flatMap { action in models.map { (action: action.rawValue, model: $0) } }

        // Gauges from the active groups, summed per label.
        var queue: [String: Double] = [:]
        var stuck: [String: Double] = [:]
        var oldest: [String: Double] = [:]
        for group in input.groups {
            let model = input.labeler.existingLabel(for: group.model)
            let statusKey = "\(group.action.rawValue)\u{0}\(model)\u{0}\(group.status.rawValue)"
            queue[statusKey, default: 0] += Double(group.count)
            stuck["\(group.action.rawValue)\u{0}\(model)", default: 0] += Double(group.stuck)
            oldest[statusKey] = min(oldest[statusKey] ?? .infinity, group.oldestSubmit)
        }
        var queueSeries: [Series] = []
        var oldestSeries: [Series] = []
        var stuckSeries: [Series] = []
        for (action, model) in pairs {
            for status in TaskStatus.nonTerminal {
                let key = "\(action)\u{0}\(model)\u{0}\(status.rawValue)"
                let labels = [Label("action", action), Label("model", model), Label("status", status.rawValue)]
                queueSeries.append(Series(labels, queue[key] ?? 0))
                if let value = oldest[key], value.isFinite { oldestSeries.append(Series(labels, value)) }
            }
            stuckSeries.append(
                Series([Label("action", action), Label("model", model)], stuck["\(action)\u{0}\(model)"] ?? 0))
        }

        func counter(_ kind: AggregateCell.Kind, labelName: String, values: [String]) -> [Series] {
            pairs.flatMap { pair in
                values.map { value in
                    let cell = AggregateCell(kind: kind, action: pair.action, model: pair.model, label: value)
                    return Series(
                        [Label("action", pair.action), Label("model", pair.model), Label(labelName, value)],
                        input.aggregates[cell] ?? 0)
                }
            }
        }

        func histograms(_ kind: AggregateCell.Kind, labelName: String?, values: [String]) -> [Series] {
            pairs.flatMap { pair in
                values.map { value in
                    var histogram = Histogram(upperBounds: Histogram.durationBuckets)
                    var counts: [UInt64] = []
                    for slot in 0...Histogram.durationBuckets.count {
                        let cell = AggregateCell(
                            kind: kind, action: pair.action, model: pair.model, label: value, slot: slot)
                        counts.append(UInt64(max(0, input.aggregates[cell] ?? 0)))
                    }
                    let sumCell = AggregateCell(
                        kind: kind, action: pair.action, model: pair.model, label: value, slot: AggregateCell.sumSlot)
                    histogram.add(counts: counts, sum: input.aggregates[sumCell] ?? 0)
                    for slot in 0...Histogram.durationBuckets.count {
                        let cell = AggregateCell(
                            kind: kind, action: pair.action, model: pair.model, label: value, slot: slot)
                        if let exemplar = input.exemplars[cell] { histogram.setExemplar(exemplar, slot: slot) }
                    }
                    var labels = [Label("action", pair.action), Label("model", pair.model)]
                    if let labelName { labels.append(Label(labelName, value)) }
                    return Series(labels: labels, value: .histogram(histogram))
                }
            }
        }

        let outcomes = TaskOutcome.allCases.map(\.rawValue)
        var windowCounts: [String: (failures: Int, finished: Int)] = [:]
        for window in input.failureWindows {
            let key = "\(window.name)\u{0}\(window.action)\u{0}\(window.model)"
            let known = windowCounts[key] ?? (0, 0)
            windowCounts[key] = (known.failures + window.failures, known.finished + window.finished)
        }
        let ratios = failureWindows.flatMap { window in
            pairs.map { pair in
                let counts = windowCounts["\(window.name)\u{0}\(pair.action)\u{0}\(pair.model)"] ?? (0, 0)
                return Series(
                    [Label("action", pair.action), Label("model", pair.model), Label("window", window.name)],
                    counts.finished == 0 ? .nan : Double(counts.failures) / Double(counts.finished))
            }
        }
        let registered = registrationSources.map { source in
            Series([Label("source", source)], input.aggregates[AggregateCell(kind: .registered, label: source)] ?? 0)
        }
        let neverSeen = RegistrationSource.allCases.map { source in
            Series(
                [Label("source", source.rawValue)],
                input.aggregates[AggregateCell(kind: .neverSeen, label: source.rawValue)] ?? 0)
        }

        return [
            MetricFamily(
                name: "suno_tasks",
                help: "Watched non-terminal tasks by status: the queue depth. \(fromLastPoll)",
                type: .gauge, series: queueSeries),
            MetricFamily(
                name: "suno_tasks_stuck",
                help: "Non-terminal tasks older (now - gateway submit time) than --task.stuck-after. \(fromLastPoll)",
                type: .gauge, series: stuckSeries),
            MetricFamily(
                name: "suno_task_oldest_submit_timestamp_seconds",
                help: "Gateway submit time (Unix seconds) of the oldest non-terminal task per status. \(fromLastPoll)",
                type: .gauge, unit: "seconds", series: oldestSeries),
            MetricFamily(
                name: "suno_tasks_finished_total",
                help:
                    "Tasks that reached an end (success, failure, or expired: given up by the exporter). Persisted across restarts.",
                type: .counter, series: counter(.finished, labelName: "outcome", values: outcomes)),
            MetricFamily(
                name: "suno_task_failures_total",
                help: "Failed tasks by bounded reason class (see README). Persisted across restarts.",
                type: .counter,
                series: counter(.failures, labelName: "reason", values: FailureReason.allCases.map(\.rawValue))),
            MetricFamily(
                name: "suno_task_duration_seconds",
                help:
                    "Time to finish in seconds, gateway finish_time - submit_time (the exporter's decision time where the gateway gives none). Persisted across restarts.",
                type: .histogram, unit: "seconds", series: histograms(.duration, labelName: "outcome", values: outcomes)
            ),
            MetricFamily(
                name: "suno_task_queue_wait_seconds",
                help:
                    "Queue wait in seconds, gateway start_time - submit_time, observed once per task. Persisted across restarts.",
                type: .histogram, unit: "seconds", series: histograms(.queueWait, labelName: nil, values: [""])),
            MetricFamily(
                name: "suno_task_first_audio_seconds",
                help:
                    "Seconds from gateway submit to the first poll that saw a streamable clip; resolution is the poll interval. Persisted across restarts.",
                type: .histogram, unit: "seconds", series: histograms(.firstAudio, labelName: nil, values: [""])),
            MetricFamily(
                name: "suno_task_failure_ratio",
                help:
                    "Failed / finished tasks over the window, from the SQLite history (NaN when nothing finished in it). \(fromLastPoll)",
                type: .gauge, series: ratios),
            MetricFamily(
                name: "suno_tasks_registered_total",
                help: "Task ids added to the watch list, by source. Persisted across restarts.",
                type: .counter, series: registered),
            MetricFamily(
                name: "suno_tasks_never_seen_total",
                help:
                    "Watched ids that expired without the gateway ever returning them, by registration source (proxy: likely submitted with a key other than the exporter's; else an unknown or lost id). Persisted across restarts.",
                type: .counter, series: neverSeen),
        ]
    }

    static func collectorFamilies(_ input: CatalogueInput) -> [MetricFamily] {
        let metrics = input.selfMetrics
        var families = [
            MetricFamily(
                name: "suno_upstream_up",
                help: "1 if the last collector cycle reached the gateway and got a valid answer, else 0.",
                type: .gauge, series: [Series([], (metrics.upstreamUp ?? false) ? 1 : 0)]),
            MetricFamily(
                name: "suno_upstream_requests_total",
                help: "Gateway calls by endpoint and result code (HTTP status, decode, timeout or transport).",
                type: .counter,
                series: metrics.requests.map { key, value in
                    Series([Label("code", key.code), Label("endpoint", key.endpoint)], value)
                }),
            MetricFamily(
                name: "suno_upstream_request_duration_seconds",
                help: "Gateway call latency in seconds, per attempt.",
                type: .histogram, unit: "seconds",
                series: metrics.requestDurations.map { endpoint, histogram in
                    Series(labels: [Label("endpoint", endpoint)], value: .histogram(histogram))
                }),
            MetricFamily(
                name: "suno_upstream_ids_requested_total",
                help: "Task ids asked for in batch fetches.", type: .counter, series: [Series([], metrics.idsRequested)]
            ),
            MetricFamily(
                name: "suno_upstream_ids_missing_total",
                help: "Task ids asked for that the gateway did not return.", type: .counter,
                series: [Series([], metrics.idsMissing)]),
            MetricFamily(
                name: "suno_upstream_items_rejected_total",
                help:
                    "Task items of gateway answers set aside by reason (wrong_type, not_an_object, missing_id; the rest of the answer is used), or kept without an unusable time (unusable_time).",
                type: .counter,
                series: ItemRejection.Reason.allCases.map { reason in
                    Series([Label("reason", reason.rawValue)], metrics.itemsRejected[reason.rawValue] ?? 0)
                }),
            MetricFamily(
                name: "suno_collector_cycle_duration_seconds",
                help: "Duration of one collector cycle (all batches) in seconds.", type: .histogram, unit: "seconds",
                series: [Series(labels: [], value: .histogram(metrics.cycleDurations))]),
            MetricFamily(
                name: "suno_store_size_bytes",
                help: "Size of the SQLite store on disk (database plus WAL) in bytes.", type: .gauge, unit: "bytes",
                series: [Series([], input.storeSizeBytes)]),
            MetricFamily(
                name: "suno_store_errors_total",
                help:
                    "SQLite operations that failed (disk full, locked, read-only, damaged file), by operation; while the last write or snapshot read failed, /-/ready answers 503 and scrapes get the last good snapshot.",
                type: .counter,
                series: StoreOperation.allCases.map { Series([Label("op", $0.rawValue)], input.storeErrors[$0] ?? 0) }),
            MetricFamily(
                name: "suno_exporter_build_info",
                help: "Build facts of the running exporter; always 1.", type: .gauge,
                series: [
                    Series(
                        [
                            Label("revision", input.buildInfo.revision),
                            Label("swift_version", input.buildInfo.swiftVersion),
                            Label("version", input.buildInfo.version),
                        ], 1)
                ]),
        ]
        if let lastSuccess = metrics.lastSuccess {
            families.append(
                MetricFamily(
                    name: "suno_collector_last_success_timestamp_seconds",
                    help: "End of the last fully successful collector cycle, Unix seconds.", type: .gauge,
                    unit: "seconds",
                    series: [Series([], lastSuccess)]))
        } else {
            families.append(
                MetricFamily(
                    name: "suno_collector_last_success_timestamp_seconds",
                    help: "End of the last fully successful collector cycle, Unix seconds.", type: .gauge,
                    unit: "seconds",
                    series: [Series([], 0)]))
        }
        return families
    }
}
