import Testing

/// The contract every `Backend` implementation passes (Sources/RealtimeCore/Backend),
/// each case run against every `BackendKind`: memory, and Redis on a real
/// `redis-server` (one per suite, flushed before each Redis case).
///
/// Where the backends legitimately differ, the difference is named on `BackendKind`
/// and asserted explicitly. Deliveries are asynchronous on Redis: cases wait for them
/// with `Edge.settle` (a marker publish, with a 5 s deadline), never with fixed sleeps.
///
/// The cases live in extensions: +Delivery, +Presence, +Settings, +RateLimits, +Recovery.
/// Serialized because Redis cases share (and flush) one server.
@Suite("Backend contract", .serialized, .sharedRedisServer)
struct BackendContractTests {}
