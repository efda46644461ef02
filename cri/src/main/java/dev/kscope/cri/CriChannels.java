package dev.kscope.cri;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

import java.nio.file.Path;

/** gRPC channels to a container runtime's CRI socket (containerd, CRI-O). */
public final class CriChannels {
    private CriChannels() {
    }

    /** A channel to the unix socket at {@code socket}; it connects lazily and reconnects by itself when the runtime restarts. */
    public static ManagedChannel unix(Path socket) {
        return Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(16 << 20)
                .build();
    }
}
