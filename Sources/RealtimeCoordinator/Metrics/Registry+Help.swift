import Prometheus

/// Families by full name with their HELP text (promtool requires it). The
/// descriptor API builds names from namespace/subsystem/unit parts; ours are
/// written whole, as docs/METRICS.md lists them, so the unit part stays empty.
extension PrometheusCollectorRegistry {
    func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
