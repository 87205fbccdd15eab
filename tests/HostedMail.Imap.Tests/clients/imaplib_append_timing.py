"""Python's imaplib APPENDs messages of real sizes and prints the median time per APPEND (run by
RealClientTests).

imaplib leaves Nagle's algorithm on and writes a literal and the CRLF that ends its command in
two writes, so the CRLF waits until the server acknowledges the literal; a server that lets its
kernel delay that acknowledgement (40 ms on Linux) makes every APPEND take 40 ms or more.

Arguments: port user password. Prints "MEDIAN <ms>" and "OK"; a failed check exits non-zero.
"""
import imaplib
import statistics
import sys
import time

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port)
typ, _ = m.login(user, password)
if typ != "OK":
    print("FAIL: login", flush=True)
    sys.exit(1)
m.select("INBOX")
times = []
# Sizes either side of one 4 KiB socket read and a few segments long, as real messages are.
for i, size in enumerate([600, 3000, 4096, 4128, 5000, 9000, 17000, 33000, 2500, 4200, 7000, 12000]):
    body = ("line %d of a message that is as long as mail is\r\n" % i) * (size // 45 + 1)
    msg = ("From: Ann <ann@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: timing %d\r\n"
           "Date: Mon, 07 Dec 2026 09:%02d:00 -0800\r\n\r\n" % (i, i) + body).encode()
    started = time.perf_counter()
    typ, data = m.append("INBOX", None, None, msg)
    times.append((time.perf_counter() - started) * 1000)
    if typ != "OK":
        print("FAIL: append %r" % (data,), flush=True)
        sys.exit(1)
typ, data = m.search(None, "ALL")
if typ != "OK" or len(data[0].split()) != len(times):
    print("FAIL: search %r" % (data,), flush=True)
    sys.exit(1)
m.logout()
print("TIMES " + " ".join("%.1f" % t for t in times))
print("MEDIAN %.1f" % statistics.median(times))
print("OK")
