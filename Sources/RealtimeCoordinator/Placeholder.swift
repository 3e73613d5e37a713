// The coordinator: node registry, dead-node cleanup, cluster stats.
