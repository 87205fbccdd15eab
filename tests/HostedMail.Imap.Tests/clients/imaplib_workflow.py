"""A whole client workflow with Python's imaplib against HostedMail (run by RealClientTests).

Arguments: port user password. Prints "IDLING" when IDLE is active and waits for the test to
deliver a message; every check failure exits non-zero with a message.
"""
import imaplib
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def check(cond, what):
    if not cond:
        print("FAIL: " + what, flush=True)
        sys.exit(1)


m = imaplib.IMAP4("127.0.0.1", port)
check("IMAP4REV1" in m.capabilities and "IDLE" in m.capabilities and "MOVE" in m.capabilities, "capabilities %r" % (m.capabilities,))
typ, _ = m.login(user, password)
check(typ == "OK", "login")

typ, data = m.list()
check(typ == "OK" and any(b'"INBOX"' in d or b" INBOX" in d for d in data), "list %r" % data)
check(any(b"\\Sent" in d for d in data), "special-use in list %r" % data)

typ, data = m.create("Work/Reports")
check(typ == "OK", "create %r" % data)

msg = b"From: Ann <ann@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: Quarterly numbers\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nThe numbers are attached in spirit.\r\n"
typ, data = m.append("INBOX", "(\\Flagged)", imaplib.Time2Internaldate(1763720000), msg)
check(typ == "OK" and b"APPENDUID" in data[0], "append %r" % data)
appended_uid = int(data[0].split()[2].rstrip(b"]"))

typ, data = m.select("INBOX")
check(typ == "OK" and int(data[0]) >= 1, "select %r" % data)

typ, data = m.uid("SEARCH", None, "SUBJECT", '"quarterly"')
check(typ == "OK" and str(appended_uid).encode() in data[0].split(), "uid search subject %r" % data)
typ, data = m.uid("SEARCH", None, "BODY", "spirit", "FLAGGED")
check(typ == "OK" and data[0].split() == [str(appended_uid).encode()], "uid search body %r" % data)
typ, data = m.uid("SEARCH", None, "UNSEEN")
check(typ == "OK" and str(appended_uid).encode() in data[0].split(), "unseen %r" % data)

typ, data = m.uid("FETCH", str(appended_uid), "(FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
check(typ == "OK", "fetch %r" % data)
check(b"Subject: Quarterly numbers" in data[0][1], "fetch header %r" % data)
check(b"\\Seen" not in data[0][0], "peek must not set seen %r" % data)
typ, data = m.uid("FETCH", str(appended_uid), "(BODY[])")
check(typ == "OK" and data[0][1] == msg, "fetch body %r" % data)
typ, data = m.uid("FETCH", str(appended_uid), "(FLAGS)")
check(b"\\Seen" in data[0], "body fetch sets seen %r" % data)

typ, data = m.uid("STORE", str(appended_uid), "+FLAGS", "(\\Answered $Label1)")
check(typ == "OK" and b"\\Answered" in data[0] and b"$Label1" in data[0], "store %r" % data)
typ, data = m.uid("STORE", str(appended_uid), "-FLAGS", "($Label1)")
check(typ == "OK" and b"$Label1" not in data[0], "store minus %r" % data)

typ, data = m.uid("MOVE", str(appended_uid), "Work/Reports")
check(typ == "OK", "move %r" % data)
typ, data = m.status("Work/Reports", "(MESSAGES UIDNEXT UNSEEN)")
check(typ == "OK" and b"MESSAGES 1" in data[0], "status after move %r" % data)
typ, data = m.uid("SEARCH", None, "ALL")
check(str(appended_uid).encode() not in data[0].split(), "moved message gone %r" % data)

typ, data = m.append("INBOX", None, None, b"Subject: doomed\r\n\r\nbye\r\n")
check(typ == "OK", "append 2")
doomed = int(data[0].split()[2].rstrip(b"]"))
m.noop()
typ, data = m.uid("STORE", str(doomed), "+FLAGS.SILENT", "(\\Deleted)")
check(typ == "OK", "store deleted")
typ, data = m.expunge()
check(typ == "OK" and data != [None], "expunge %r" % data)

# IDLE by hand (imaplib has no IDLE before 3.14).
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
line = m.readline()
check(line.startswith(b"+"), "idle continuation %r" % line)
print("IDLING", flush=True)
line = m.readline()
check(b"EXISTS" in line, "exists during idle %r" % line)
m.send(b"DONE\r\n")
while True:
    line = m.readline()
    if line.startswith(tag):
        check(b"OK" in line, "idle done %r" % line)
        break

typ, data = m.close()
check(typ == "OK", "close")
m.logout()
print("OK", flush=True)
