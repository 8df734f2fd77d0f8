package io.claudebottle.egress;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;

class TransportTest {

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
    void linuxUsesTheNativeEpollTransport() {
        assertThat(Epoll.unavailabilityCause()).as("Netty's epoll library for this machine is on the class path").isNull();
        assertThat(Transport.BEST.socketChannel()).isEqualTo(EpollSocketChannel.class);
    }
}
