import ServiceLifecycle

/// Reads and judges the cluster every tick; dead-node cleanups run as child tasks
/// so a node with many members never delays judging the others.
struct RegistryService: Service {
    let coordinator: Coordinator

    func run() async throws {
        let interval = coordinator.configuration.tickInterval
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let started = ContinuousClock.now
                    for id in await coordinator.tick() {
                        group.addTask { await coordinator.evict(id) }
                    }
                    try? await Task.sleep(until: started + interval, clock: .continuous)
                }
            }
        }
    }
}

/// Keeps (or tries to take) the leader lease; on shutdown gives it up so the
/// standby coordinator takes over at once. Listed last, so it stops first.
struct LeaseService: Service {
    let coordinator: Coordinator

    func run() async throws {
        let interval = coordinator.configuration.leaseRenewInterval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let started = ContinuousClock.now
                await coordinator.lease.refresh()
                try? await Task.sleep(until: started + interval, clock: .continuous)
            }
        }
        await coordinator.lease.release()
    }
}
