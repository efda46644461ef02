package dev.kscope.traffic.dissect;

/** What a protocol makes of the first bytes one side of a connection sent. */
public enum Verdict {
    /** These bytes are a request: the side that sent them is the client. */
    CLIENT,
    /** These bytes are a response: the side that sent them is the server. */
    SERVER,
    /** Could be, show me more bytes. */
    MORE,
    NO
}
