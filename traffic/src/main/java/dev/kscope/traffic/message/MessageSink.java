package dev.kscope.traffic.message;

@FunctionalInterface
public interface MessageSink {
    void accept(Message message);
}
