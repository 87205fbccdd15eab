"""Drives HostedMail's POP3 server with Python's poplib, as a mail client would; prints JSON."""
import json
import poplib
import ssl
import sys

host, port, user, password, cafile, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
context = ssl.create_default_context(cafile=cafile)


def connect():
    if mode == "pop3s":
        client = poplib.POP3_SSL(host, port, context=context, timeout=20)
    else:
        client = poplib.POP3(host, port, timeout=20)
        client.stls(context=context)
    client.user(user)
    client.pass_(password)
    return client


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


out = {}
c = connect()
out["capa"] = sorted(c.capa().keys())
out["stat"] = list(c.stat())
resp, lines, _ = c.list()
out["list"] = [text(l) for l in lines]
resp, lines, _ = c.uidl()
out["uidl"] = [text(l) for l in lines]
out["uidl1"] = text(c.uidl(1))
resp, lines, _ = c.top(1, 1)
out["top"] = [text(l) for l in lines]
resp, lines, octets = c.retr(1)
out["retr"] = [text(l) for l in lines]
out["retr_resp"] = text(resp)
out["dele"] = text(c.dele(2))
try:
    c.retr(2)
    out["retr_deleted"] = "no error"
except poplib.error_proto as e:
    out["retr_deleted"] = text(e.args[0])
out["rset"] = text(c.rset())
out["dele_again"] = text(c.dele(2))
out["noop"] = text(c.noop())
out["quit"] = text(c.quit())
c = connect()
out["stat_after"] = list(c.stat())
resp, lines, _ = c.uidl()
out["uidl_after"] = [text(l) for l in lines]
c.quit()
print(json.dumps(out))
