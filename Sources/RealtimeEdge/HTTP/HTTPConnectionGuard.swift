import NIOCore
import NIOHTTP1

/// Watches a connection while it speaks HTTP/1, behind NIO's upgrade handler:
///
/// * a connection that has not sent a complete request head within the request
///   timeout, or sits idle between keep-alive requests longer than the idle timeout,
///   is closed, so silent or trickling sockets cannot pile up;
/// * a WebSocket upgrade on a later request of a kept-alive connection (NIO only
///   upgrades the first one) is switched to a session here (`LateUpgrade`), so load
///   balancers and runtimes that reuse connections need no special setting.
///
/// Removed from the pipeline once the connection is a WebSocket.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Timeouts: Sendable {
        var requestHead: TimeAmount
        var idle: TimeAmount
    }

    private let node: EdgeNode
    private let timeouts: Timeouts
    private var timer: Scheduled<Void>?
    private var requestsSeen = 0
    private var requestOpen = false
    private var responseOpen = false
    /// A late upgrade whose request parts are being read before the switch.
    private var upgrading: HTTPRequestHead?

    init(node: EdgeNode, timeouts: Timeouts) {
        self.node = node
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context: context, .requestHead)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            timer?.cancel()
            timer = nil
            requestsSeen += 1
            // The first request went through NIO's upgrader already; a later one that
            // asks for a valid upgrade is switched here. Invalid ones reach the router,
            // which refuses them (EdgeChildChannel.refusingLateUpgrades).
            if requestsSeen > 1, head.isWebSocketUpgrade, !responseOpen,
                UpgradeRefusal.check(uri: head.uri, draining: node.isDraining) == nil
            {
                upgrading = head
                return
            }
            requestOpen = true
            responseOpen = true
            context.fireChannelRead(data)
        case .body:
            if upgrading == nil { context.fireChannelRead(data) }
        case .end:
            if let head = upgrading {
                upgrading = nil
                LateUpgrade.switchToWebSocket(context: context, guard: self, head: head, node: node)
                return
            }
            requestOpen = false
            armIdleWhenQuiet(context: context)
            context.fireChannelRead(data)
        }
    }

    /// The server is stopping: a connection between requests (or that never sent a
    /// complete head) has nothing to finish, so it closes now rather than hold the
    /// stop until its timeout.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !requestOpen, !responseOpen, upgrading == nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responseOpen = false
            armIdleWhenQuiet(context: context)
        }
        context.write(data, promise: promise)
    }

    /// Between requests the connection waits for the next head at most `idle`.
    private func armIdleWhenQuiet(context: ChannelHandlerContext) {
        guard !requestOpen, !responseOpen else { return }
        arm(context: context, .idle)
    }

    private enum Wait { case requestHead, idle }

    private func arm(context: ChannelHandlerContext, _ wait: Wait) {
        timer?.cancel()
        let channel = context.channel
        let node = self.node
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: wait == .idle ? timeouts.idle : timeouts.requestHead) {
            switch wait {
            case .requestHead: node.stats.requestHeadTimeouts.add(1, ordering: .relaxed)
            case .idle: node.stats.idleTimeouts.add(1, ordering: .relaxed)
            }
            node.logger.debug(
                "closing HTTP connection", metadata: ["reason": "\(wait == .idle ? "keep-alive idle timeout" : "request head timeout")"])
            channel.close(promise: nil)
        }
    }
}
