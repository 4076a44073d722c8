import ServiceLifecycle

/// Polls the quota service at once and then every interval, until graceful shutdown.
struct AccountQuotaService: Service {
    let poller: AccountPoller

    func run() async throws {
        let interval = Duration.milliseconds(Int64(poller.settings.interval * 1_000))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await poller.poll()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
