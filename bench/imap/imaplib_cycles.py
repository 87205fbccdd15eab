"""Real-client IMAP load: Python's imaplib, as scripts and simple clients use it (bench/imap/run.sh imaplib).

Each of PROCS processes repeats, for SECONDS, the cycle CONNECT, LOGIN, LIST, STATUS, SELECT,
FETCH (the newest 20 headers), STORE a keyword, APPEND (4-5 KB), LOGOUT on a user picked at random
from u0..u{USERS-1}@bench.example, with imaplib's defaults: Nagle's algorithm on, a synchronizing
literal for APPEND, and the literal and the CRLF that ends the command written apart.

Usage: imaplib_cycles.py PORT SECONDS PROCS SEED LABEL [USERS]
Prints one Markdown table row for the round and a row per command (p50, p99, max in ms).
"""
import imaplib
import multiprocessing
import random
import sys
import time

COMMANDS = ["CONNECT", "LOGIN", "LIST", "STATUS", "SELECT", "FETCH", "STORE", "APPEND", "LOGOUT"]
PASSWORD = "bench-password-0123"


def worker(port, seconds, seed, users, queue):
    rnd = random.Random(seed)
    times = {c: [] for c in COMMANDS}
    cycles = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        user = rnd.randrange(users)
        clock = time.perf_counter()

        def lap(name):
            nonlocal clock
            now = time.perf_counter()
            times[name].append((now - clock) * 1000)
            clock = now

        client = imaplib.IMAP4("127.0.0.1", port)
        lap("CONNECT")
        client.login("u%d@bench.example" % user, PASSWORD)
        lap("LOGIN")
        client.list()
        lap("LIST")
        client.status("INBOX", "(MESSAGES UIDNEXT UNSEEN)")
        lap("STATUS")
        typ, data = client.select("INBOX")
        exists = int(data[0])
        lap("SELECT")
        if exists > 0:
            client.fetch("%d:%d" % (max(1, exists - 19), exists), "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])")
            lap("FETCH")
            client.store(str(rnd.randint(1, exists)), rnd.choice(["+FLAGS", "-FLAGS"]), "($Label%d)" % rnd.randint(1, 5))
            lap("STORE")
        words = rnd.randint(800, 1000)
        message = ("From: Sender <s%d@sender.example>\r\nTo: u%d@bench.example\r\nSubject: imaplib cycle %d\r\n"
                   "Date: Mon, 07 Dec 2026 09:%02d:00 -0500\r\nMessage-ID: <%d.%d@sender.example>\r\n\r\n"
                   % (rnd.randrange(50), user, cycles, cycles % 60, seed, cycles) + "word " * words + "\r\n")
        typ, _ = client.append("INBOX", None, None, message.encode())
        if typ != "OK":
            raise RuntimeError("APPEND " + typ)
        lap("APPEND")
        client.logout()
        lap("LOGOUT")
        cycles += 1
    queue.put((cycles, times))


def main():
    port, seconds, procs, seed, label = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    users = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker, args=(port, seconds, seed * 1000 + n, users, queue)) for n in range(procs)]
    for w in workers:
        w.start()
    results = []
    for _ in workers:
        try:
            # A worker that fails (a refused command raises in imaplib) never reports.
            results.append(queue.get(timeout=seconds + 60))
        except Exception:
            for w in workers:
                w.terminate()
            sys.exit("a client process failed; its error is above")
    for w in workers:
        w.join()
    cycles = sum(r[0] for r in results)
    print("| %s | %d imaplib processes, %g s | %d cycles | **%.1f cycles/s** |" % (label, procs, seconds, cycles, cycles / seconds))
    for name in COMMANDS:
        values = sorted(v for r in results for v in r[1][name])
        if not values:
            continue
        pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
        print("| %s %s | n=%d | p50 %.2f ms | p99 %.2f ms | max %.2f ms |" % (label, name, len(values), pick(0.5), pick(0.99), values[-1]))


if __name__ == "__main__":
    main()
