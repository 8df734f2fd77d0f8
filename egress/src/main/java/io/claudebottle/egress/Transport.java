package io.claudebottle.egress;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The proxy's sockets: Netty's native epoll transport on Linux (5 % more small proxied requests per
 * CPU-second than Java NIO in bench/egress.sh), Java NIO elsewhere, when its library cannot load, or
 * with {@code -Dbottle.egress.nio=true}. Upstream connections use the proxy's kind too, as its event
 * loops require.
 */
record Transport(IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {
    static final Transport NIO = new Transport(NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    static final Transport BEST = Boolean.getBoolean("bottle.egress.nio") || !Epoll.isAvailable() ? NIO
            : new Transport(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
}
