#!/usr/bin/python3
"""A lossy, slow link without netem: this kernel has no sch_netem, so the
mesh tests (test_mesh.py) point an iptables NFQUEUE rule at this program,
which gives every queued packet a verdict: dropped with probability
--loss percent, else accepted --delay-ms later (in order: the delay is
the same for every packet). Only the packet's id comes up to user space
(copy mode "meta"); the packet stays in the kernel, and nothing here
sends a packet anywhere.

It speaks nfnetlink_queue (linux/netfilter/nfnetlink_queue.h) over a
netlink socket with the standard library alone. It runs until SIGTERM or
--seconds pass (a bound: a test that dies leaves no process behind for
long), then prints one line of JSON with what it did.

  hz_nfq.py --queue N [--loss PCT] [--delay-ms MS] [--seed S]
            [--seconds S]
"""
import argparse
import heapq
import json
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NF_DROP = 0
NF_ACCEPT = 1


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def message(kind, queue, attrs, flags=NLM_F_REQUEST, seq=0):
    """nlmsghdr, nfgenmsg (AF_UNSPEC, version 0, the queue number), then
    the attributes."""
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue))
    body += b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body),
                       (NFNL_SUBSYS_QUEUE << 8) | kind, flags, seq, 0) + body


def attrs_of(buf):
    """The attributes after the nfgenmsg of one message's payload."""
    out, at = {}, 4
    while at + 4 <= len(buf):
        n, kind = struct.unpack_from("=HH", buf, at)
        if n < 4:
            break
        out[kind & 0x7FFF] = buf[at + 4:at + n]
        at += (n + 3) & ~3
    return out


def configure(s, queue):
    """Bind the queue and ask for packet ids alone; each acknowledged."""
    cmd = attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND,
                                         socket.AF_INET))
    params = attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))
    for seq, a in enumerate((cmd, params), 1):
        s.send(message(NFQNL_MSG_CONFIG, queue, [a],
                       NLM_F_REQUEST | NLM_F_ACK, seq))
        data = s.recv(65536)
        n, kind = struct.unpack_from("=IH", data, 0)
        if kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0:
                sys.exit("hz_nfq: configuring queue %d: error %d"
                         % (queue, -err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", type=int, required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=600.0)
    o = ap.parse_args()
    rng = random.Random(o.seed)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    configure(s, o.queue)
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    print(json.dumps({"queue": o.queue, "ready": True}), flush=True)

    def verdict(pid, v):
        s.send(message(NFQNL_MSG_VERDICT, o.queue,
                       [attr(NFQA_VERDICT_HDR, struct.pack("!II", v, pid))]))

    due, seen, dropped = [], 0, 0
    end = time.monotonic() + o.seconds
    while not stop[0] and time.monotonic() < end:
        now = time.monotonic()
        while due and due[0][0] <= now:
            verdict(heapq.heappop(due)[1], NF_ACCEPT)
        wait = min(0.5, due[0][0] - now) if due else 0.5
        try:
            ready, _, _ = select.select([s], [], [], max(wait, 0))
        except InterruptedError:
            continue
        if not ready:
            continue
        data = s.recv(1 << 16)
        at = 0
        while at + 16 <= len(data):
            n, kind = struct.unpack_from("=IH", data, at)
            if n < 16:
                break
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                a = attrs_of(data[at + 16:at + n])
                if NFQA_PACKET_HDR in a:
                    pid = struct.unpack_from("!I", a[NFQA_PACKET_HDR])[0]
                    seen += 1
                    if rng.random() * 100 < o.loss:
                        dropped += 1
                        verdict(pid, NF_DROP)
                    else:
                        heapq.heappush(due, (time.monotonic() +
                                             o.delay_ms / 1000, pid))
            at += (n + 3) & ~3
    for _, pid in due:
        verdict(pid, NF_ACCEPT)
    print(json.dumps({"packets": seen, "dropped": dropped}), flush=True)


if __name__ == "__main__":
    main()
