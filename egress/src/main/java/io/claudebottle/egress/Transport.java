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
 * The proxy's sockets: Netty's native epoll transport on Linux (fewer system calls and no
 * selected-key sets to walk per wake-up: measurably less CPU per small proxied request), Java NIO
 * elsewhere or when its library cannot load. Both sides of every connection use the one chosen, as
 * the event loops require.
 */
record Transport(IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {
    static final Transport NIO = new Transport(NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    static final Transport BEST = Boolean.getBoolean("bottle.egress.nio") || !Epoll.isAvailable() ? NIO
            : new Transport(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
}
