using System.Globalization;
using System.Text;

namespace HostedMail.Conformance;

/// <summary>One message to APPEND to both servers: its octets, flags and INTERNALDATE (RFC 3501 section 6.3.11).</summary>
public sealed record TestMessage(string Name, string Octets, string Flags, string InternalDate)
{
    /// <summary>From UTF-8 text with LF or CRLF line ends; a message ends with CRLF, as SMTP delivers it, unless <paramref name="finalLineEnd"/> is false.</summary>
    public static TestMessage FromText(string name, string text, string flags, string internalDate, bool finalLineEnd = true)
    {
        text = text.ReplaceLineEndings("\r\n");
        if (finalLineEnd && !text.EndsWith("\r\n", StringComparison.Ordinal))
        {
            text += "\r\n";
        }

        return new(name, RawImapClient.Octets.GetString(Encoding.UTF8.GetBytes(text)), flags, internalDate);
    }
}

/// <summary>
/// A varied built-in message set for the comparison (until the shared real-world corpus generator
/// is on main): date forms and zones (RFC 5322 sections 3.3 and 4.3), RFC 2047 words, groups, every
/// common MIME shape, nested message/rfc822, RFC 2231 parameters, 8-bit and binary-ish parts, and
/// reply chains for SORT and THREAD (RFC 5256).
/// </summary>
public static class BuiltInMessages
{
    public static IReadOnlyList<TestMessage> All { get; } = Build();

    private static List<TestMessage> Build()
    {
        var messages = new List<TestMessage>();
        void Add(string name, string flags, string internalDate, string text, bool finalLineEnd = true) =>
            messages.Add(TestMessage.FromText(name, text, flags, internalDate, finalLineEnd));

        Add("plain-ascii", @"(\Seen)", "01-Mar-2024 09:15:00 +0100", """
            From: Ann Example <ann@sender.example>
            To: Bob <bob@example.com>
            Subject: Project plan
            Date: Fri, 01 Mar 2024 09:14:00 +0100
            Message-ID: <plan-1@sender.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Here is the project plan for the spring.
            Milestones follow next week.
            """);
        Add("reply-1", @"(\Seen \Answered)", "02-Mar-2024 10:00:00 -0500", """
            From: Bob <bob@example.com>
            To: Ann Example <ann@sender.example>
            Cc: Carol <carol@third.example>, dave@fourth.example
            Subject: Re: Project plan
            Date: Sat, 2 Mar 2024 09:59:30 -0500
            Message-ID: <plan-2@example.com>
            In-Reply-To: <plan-1@sender.example>
            References: <plan-1@sender.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Looks good. Café at noon?

            > Here is the project plan for the spring.
            """);
        Add("reply-2", "()", "02-Mar-2024 18:30:00 +0000", """
            From: Carol <carol@third.example>
            To: Bob <bob@example.com>
            Cc: Ann Example <ann@sender.example>
            Subject: RE: Re: Project plan
            Date: Sat, 02 Mar 2024 18:29:59 GMT
            Message-ID: <plan-3@third.example>
            In-Reply-To: <plan-2@example.com>
            References: <plan-1@sender.example> <plan-2@example.com>

            Count me in.
            """);
        Add("forward-1", @"(\Flagged $Forwarded)", "03-Mar-2024 08:00:00 +0900", """
            From: Dave <dave@fourth.example>
            To: Erin <erin@fifth.example>
            Subject: Fwd: Project plan
            Date: Sun, 3 Mar 2024 08:00:00 +0900
            Message-ID: <plan-4@fourth.example>
            References: <plan-1@sender.example> <plan-2@example.com> <plan-3@third.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="fwd-boundary"

            This is a multi-part message in MIME format.
            --fwd-boundary
            Content-Type: text/plain; charset=us-ascii

            See below.
            --fwd-boundary
            Content-Type: message/rfc822
            Content-Description: Forwarded message

            From: Ann Example <ann@sender.example>
            To: Bob <bob@example.com>
            Subject: Project plan
            Date: Fri, 01 Mar 2024 09:14:00 +0100
            Message-ID: <plan-1@sender.example>
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="inner"

            --inner
            Content-Type: text/plain; charset=us-ascii

            Here is the project plan for the spring.
            --inner
            Content-Type: text/html; charset=us-ascii

            <p>Here is the project plan for the spring.</p>
            --inner--
            --fwd-boundary--
            epilogue text
            """);
        Add("orphan-reply", "()", "04-Mar-2024 12:00:00 +0000", """
            From: Frank <frank@sixth.example>
            To: bob@example.com
            Subject: Re: Lost thread
            Date: Mon, 4 Mar 2024 12:00:00 +0000
            Message-ID: <lost-2@sixth.example>
            In-Reply-To: <lost-1@nowhere.example>
            References: <lost-1@nowhere.example>

            Replying to something you never got.
            """);
        Add("encoded-subject-b", "()", "05-Mar-2024 07:45:00 +0530", """
            From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@muenchen.example>
            To: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>
            Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=
            Date: Tue, 5 Mar 2024 07:45:00 +0530
            Message-ID: <enc-b@muenchen.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            Gr=C3=BC=C3=9Fe aus M=C3=BCnchen, sch=C3=B6ne Gr=C3=BC=C3=9Fe.
            """);
        Add("encoded-subject-q-split", @"(\Seen)", "05-Mar-2024 23:59:59 -0800", """
            From: "=?ISO-8859-1?Q?Fran=E7ois?= Dupont" <fd@paris.example>
            To: team@example.com
            Subject: =?ISO-8859-1?Q?R=E9union?= =?ISO-8859-1?Q?_de_l'=E9quipe?= demain
            Date: Tue, 05 Mar 2024 23:59:59 PST
            Message-ID: <enc-q@paris.example>
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            R=E9union =E0 10h.
            """);
        Add("group-undisclosed", "()", "06-Mar-2024 06:00:00 +0000", """
            From: newsletter@lists.example
            To: undisclosed-recipients:;
            Subject: Weekly digest
            Date: Wed, 6 Mar 2024 06:00:00 UT
            Message-ID: <digest-10@lists.example>
            List-Id: <weekly.lists.example>

            Nothing happened this week.
            """);
        Add("group-named", "(Project)", "06-Mar-2024 14:20:00 +0100", """
            From: Grace <grace@seventh.example>
            To: Team: ann@sender.example, "Bob B." <bob@example.com>;, solo@example.com
            Cc: Empty Group:;
            Subject: Team update
            Date: 6 Mar 2024 14:20 +0100
            Message-ID: <team-1@seventh.example>

            No weekday and no seconds in the Date header.
            """);
        Add("obsolete-zone-edt", "()", "07-Mar-2024 09:00:00 -0400", """
            From: Heidi <heidi@eighth.example>
            To: bob@example.com
            Subject: Obsolete zone EDT
            Date: Thu, 7 Mar 2024 09:00:00 EDT
            Message-ID: <zone-edt@eighth.example>

            EDT is -0400 (RFC 5322 section 4.3).
            """);
        Add("obsolete-zone-military", "()", "07-Mar-2024 10:00:00 +0000", """
            From: Ivan <ivan@ninth.example>
            To: bob@example.com
            Subject: Military zone
            Date: Thu, 7 Mar 2024 10:00:00 Z
            Message-ID: <zone-z@ninth.example>

            Military zones are to be treated as -0000 unless known (RFC 5322 section 4.3).
            """);
        Add("two-digit-year", "()", "08-Mar-2024 00:00:01 +0000", """
            From: Judy <judy@tenth.example>
            To: bob@example.com
            Subject: Old style year
            Date: Fri, 8 Mar 96 13:30:00 -0000
            Message-ID: <year-96@tenth.example>

            A two-digit year (RFC 5322 section 4.3: add 1900).
            """);
        Add("no-date", @"(\Draft)", "08-Mar-2024 11:11:11 +1100", """
            From: Ken <ken@eleventh.example>
            To: bob@example.com
            Subject: A draft without a date
            Message-ID: <nodate@eleventh.example>

            Draft body.
            """);
        Add("no-subject-no-from", "()", "09-Mar-2024 05:05:05 -0230", """
            To: bob@example.com
            Date: Sat, 9 Mar 2024 05:05:05 -0230
            Message-ID: <bare@twelfth.example>

            Neither Subject nor From.
            """);
        Add("alternative", @"(\Seen)", "09-Mar-2024 16:00:00 +0000", """
            From: Laura <laura@shop.example>
            To: bob@example.com
            Subject: Your order has shipped
            Date: Sat, 09 Mar 2024 16:00:00 +0000
            Message-ID: <order-55@shop.example>
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="==alt=="

            --==alt==
            Content-Type: text/plain; charset="utf-8"
            Content-Transfer-Encoding: quoted-printable

            Your order #55 has shipped =E2=80=94 track it online.
            --==alt==
            Content-Type: text/html; charset="utf-8"
            Content-Transfer-Encoding: quoted-printable

            <html><body><p>Your order #55 has shipped =E2=80=94 <a href=3D"https://shop.=
            example/t/55">track it</a>.</p></body></html>
            --==alt==--
            """);
        Add("mixed-pdf-2231", @"(\Seen \Flagged)", "10-Mar-2024 08:30:00 +0100", """
            From: Mallory <mallory@office.example>
            To: bob@example.com
            Subject: Invoice March
            Date: Sun, 10 Mar 2024 08:30:00 +0100
            Message-ID: <invoice-3@office.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain; charset=utf-8

            Please find the invoice attached.
            --b1
            Content-Type: application/pdf; name="=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?="
            Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf; size=64
            Content-Transfer-Encoding: base64
            Content-Description: Invoice

            JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWls
            ZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==
            --b1--
            """);
        Add("mixed-2231-continuations", "()", "10-Mar-2024 09:00:00 +0100", """
            From: Mallory <mallory@office.example>
            To: bob@example.com
            Subject: Long attachment name
            Date: Sun, 10 Mar 2024 09:00:00 +0100
            Message-ID: <invoice-4@office.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b2"

            --b2
            Content-Type: text/plain

            Attachment with a continued RFC 2231 filename.
            --b2
            Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
             name*0="quarterly-report-";
             name*1="2024-final.xlsx"
            Content-Disposition: attachment;
             filename*0*=UTF-8''quarterly%20report%20;
             filename*1*=%E2%80%94%20final.xlsx
            Content-Transfer-Encoding: base64

            UEsDBBQAAAAIAAAAIQBkYXRhIGRhdGEgZGF0YQ==
            --b2--
            """);
        Add("related-inline-image", "()", "11-Mar-2024 13:00:00 +0000", """
            From: Nick <nick@design.example>
            To: bob@example.com
            Subject: Logo draft
            Date: Mon, 11 Mar 2024 13:00:00 +0000
            Message-ID: <logo@design.example>
            MIME-Version: 1.0
            Content-Type: multipart/related; boundary="rel"; type="text/html"

            --rel
            Content-Type: text/html; charset=us-ascii
            Content-Language: en

            <p>Logo: <img src="cid:logo@design.example"></p>
            --rel
            Content-Type: image/png; name=logo.png
            Content-ID: <logo@design.example>
            Content-Disposition: inline; filename=logo.png
            Content-Location: http://design.example/logo.png
            Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
            Content-Transfer-Encoding: base64

            iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
            --rel--
            """);
        Add("nested-mixed-alternative-related", "()", "12-Mar-2024 09:00:00 +0200", """
            From: Olivia <olivia@deep.example>
            To: bob@example.com
            Subject: Deeply nested
            Date: Tue, 12 Mar 2024 09:00:00 +0200
            Message-ID: <deep@deep.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="L1"

            preamble that clients ignore
            --L1
            Content-Type: multipart/alternative; boundary="L2"

            --L2
            Content-Type: text/plain; charset=utf-8

            plain version
            --L2
            Content-Type: multipart/related; boundary="L3"

            --L3
            Content-Type: text/html; charset=utf-8

            <b>html</b> version
            --L3
            Content-Type: image/gif
            Content-Transfer-Encoding: base64
            Content-ID: <dot>

            R0lGODlhAQABAAAAACw=
            --L3--
            --L2--
            --L1
            Content-Type: text/csv; charset=us-ascii; header=present
            Content-Disposition: attachment; filename="data.csv"

            a,b,c
            1,2,3
            --L1--
            """);
        Add("nested-rfc822-twice", "()", "12-Mar-2024 10:00:00 +0200", """
            From: Peggy <peggy@fwd.example>
            To: bob@example.com
            Subject: Fwd: Fwd: the original
            Date: Tue, 12 Mar 2024 10:00:00 +0200
            Message-ID: <fwd2@fwd.example>
            MIME-Version: 1.0
            Content-Type: message/rfc822

            From: Quentin <q@fwd.example>
            To: Peggy <peggy@fwd.example>
            Subject: Fwd: the original
            Date: Mon, 11 Mar 2024 10:00:00 +0200
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="q"

            --q
            Content-Type: text/plain

            forwarding once more
            --q
            Content-Type: message/rfc822

            From: Rupert <rupert@orig.example>
            To: Quentin <q@fwd.example>
            Subject: the original
            Date: Sun, 10 Mar 2024 10:00:00 +0200

            The innermost text.
            --q--
            """);
        Add("text-no-charset", "()", "13-Mar-2024 17:00:00 +0000", """
            From: Sybil <sybil@plain.example>
            To: bob@example.com
            Subject: No charset, no MIME-Version
            Date: Wed, 13 Mar 2024 17:00:00 +0000
            Message-ID: <nocharset@plain.example>
            Content-Type: text/plain

            Just text.
            """);
        Add("latin1-8bit-body", "()", "13-Mar-2024 18:00:00 +0000", "From: Trent <trent@latin.example>\nTo: bob@example.com\nSubject: Latin-1 body\nDate: Wed, 13 Mar 2024 18:00:00 +0000\nMessage-ID: <latin1@latin.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nplaceholder\n");
        Add("utf8-raw-headers", "()", "14-Mar-2024 08:00:00 +0000", """
            From: Ünal Çelik <unal@istanbul.example>
            To: bob@example.com
            Subject: Merhaba dünya — raw UTF-8 header
            Date: Thu, 14 Mar 2024 08:00:00 +0300
            Message-ID: <utf8hdr@istanbul.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Gövde metni: şçğüöı.
            """);
        Add("long-folded-headers", @"(\Seen)", "14-Mar-2024 09:00:00 +0000", """
            From: Victor <victor@folding.example>
            To: a1@folding.example, a2@folding.example, a3@folding.example,
             a4@folding.example,
            	a5@folding.example
            Reply-To: Replies <replies@folding.example>
            Sender: Bulk Sender <bulk@folding.example>
            Subject: A subject that is long enough to be folded over more than
             one line by a conforming sender
            Date: Thu, 14 Mar 2024 09:00:00
             +0000
            Message-ID: <folded@folding.example>
            X-Custom-Header: value one
            X-Custom-Header: value two

            Folded header body.
            """);
        Add("header-only-no-blank-line", "()", "15-Mar-2024 10:00:00 +0000", """
            From: Walter <walter@empty.example>
            To: bob@example.com
            Subject: Header only
            Date: Fri, 15 Mar 2024 10:00:00 +0000
            Message-ID: <empty@empty.example>
            """);
        Add("empty-body", "()", "15-Mar-2024 10:30:00 +0000", "From: Walter <walter@empty.example>\nTo: bob@example.com\nSubject: Empty body\nDate: Fri, 15 Mar 2024 10:30:00 +0000\nMessage-ID: <empty2@empty.example>\n\n", finalLineEnd: false);
        Add("quoted-names-comments", "()", "15-Mar-2024 11:00:00 +0000", """
            From: "Smith, John (Sales)" <john.smith@corp.example> (via partner)
            To: "Doe, Jane" <jane@corp.example>, <bare@corp.example>, plain@corp.example (Plain Person)
            Cc: "Quoted \"Escapes\"" <escapes@corp.example>
            Bcc: hidden@corp.example
            Subject: [corp-list] Re: Quarterly numbers (fwd)
            Date: Fri, 15 Mar 2024 11:00:00 +0000 (UTC)
            Message-ID: <quarterly-2@corp.example>
            In-Reply-To: <quarterly-1@corp.example>

            Names with commas, comments and escapes.
            """);
        Add("quarterly-root", "()", "15-Mar-2024 09:00:00 +0000", """
            From: "Smith, John (Sales)" <john.smith@corp.example>
            To: "Doe, Jane" <jane@corp.example>
            Subject: Quarterly numbers
            Date: Fri, 15 Mar 2024 09:00:00 +0000
            Message-ID: <quarterly-1@corp.example>

            The root of the quarterly thread, appended after its reply.
            """);
        Add("binary-parts", "()", "16-Mar-2024 12:00:00 +0000", """
            From: Xena <xena@bin.example>
            To: bob@example.com
            Subject: Binary parts
            Date: Sat, 16 Mar 2024 12:00:00 +0000
            Message-ID: <bin@bin.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="bb"

            --bb
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            Soft=
             line break and =3D sign and caf=C3=A9
            --bb
            Content-Type: application/octet-stream
            Content-Transfer-Encoding: base64

            AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4
            OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx
            cnN0dXZ3eHl6e3x9fn8=
            --bb
            Content-Type: application/x-unknown
            Content-Transfer-Encoding: x-uuencode

            begin 644 file.txt
            #86)C
            `
            end
            --bb--
            """);
        Add("calendar-invite", "($Junk)", "17-Mar-2024 15:00:00 -0700", """
            From: Yolanda <yolanda@cal.example>
            To: bob@example.com
            Subject: Invitation: Standup @ Mon
            Date: Sun, 17 Mar 2024 15:00:00 -0700
            Message-ID: <invite@cal.example>
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="cal"

            --cal
            Content-Type: text/plain; charset=UTF-8

            You are invited.
            --cal
            Content-Type: text/calendar; charset=UTF-8; method=REQUEST
            Content-Transfer-Encoding: 7bit

            BEGIN:VCALENDAR
            METHOD:REQUEST
            END:VCALENDAR
            --cal--
            """);
        Add("delivery-report", @"(\Deleted)", "18-Mar-2024 02:00:00 +0000", """
            From: Mail Delivery System <MAILER-DAEMON@mx.example>
            To: bob@example.com
            Subject: Undelivered Mail Returned to Sender
            Date: Mon, 18 Mar 2024 02:00:00 +0000 (UTC)
            Message-ID: <dsn@mx.example>
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

            --dsn
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            Your message could not be delivered.
            --dsn
            Content-Description: Delivery report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example

            Final-Recipient: rfc822; nobody@example.org
            Action: failed
            Status: 5.1.1
            --dsn
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            From: bob@example.com
            To: nobody@example.org
            Subject: hello
            --dsn--
            """);
        Add("case-and-params", "()", "18-Mar-2024 03:00:00 +0000", """
            From: Zed <zed@case.example>
            To: bob@example.com
            Subject: Upper-case MIME names
            Date: Mon, 18 Mar 2024 03:00:00 +0000
            Message-ID: <case@case.example>
            MIME-VERSION: 1.0
            CONTENT-TYPE: TEXT/PLAIN; CHARSET="UTF-8"; FORMAT=flowed; DelSp=Yes
            CONTENT-TRANSFER-ENCODING: 7BIT
            CONTENT-DISPOSITION: INLINE

            Flowed text with a trailing space 
            on the first line.
            """);
        Add("missing-boundary-end", "()", "19-Mar-2024 04:00:00 +0000", """
            From: Broken <broken@mime.example>
            To: bob@example.com
            Subject: Unterminated multipart
            Date: Tue, 19 Mar 2024 04:00:00 +0000
            Message-ID: <broken@mime.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="never-closed"

            --never-closed
            Content-Type: text/plain

            The closing delimiter never comes.
            """);
        Add("multipart-no-boundary-param", "()", "19-Mar-2024 05:00:00 +0000", """
            From: Broken <broken@mime.example>
            To: bob@example.com
            Subject: multipart without boundary
            Date: Tue, 19 Mar 2024 05:00:00 +0000
            Message-ID: <noboundary@mime.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed

            A multipart type with no boundary parameter.
            """);
        Add("idn-and-utf8-address", "()", "20-Mar-2024 06:00:00 +0000", """
            From: =?UTF-8?Q?Bj=C3=B6rk?= <bjork@xn--bcher-kva.example>
            To: "Zoë" <zoe@example.com>
            Subject: =?UTF-8?Q?=F0=9F=93=A6_Package?= delivered
            Date: Wed, 20 Mar 2024 06:00:00 +0000
            Message-ID: <idn@xn--bcher-kva.example>

            Emoji in an encoded subject.
            """);
        Add("bad-encoded-word", "()", "20-Mar-2024 07:00:00 +0000", """
            From: Odd <odd@enc.example>
            To: bob@example.com
            Subject: =?UTF-8?B?not base64!?= and =?unknown-charset?Q?abc?=
            Date: Wed, 20 Mar 2024 07:00:00 +0000
            Message-ID: <badenc@enc.example>

            Invalid encoded words should be left alone.
            """);
        Add("bad-date", "()", "21-Mar-2024 08:00:00 +0000", """
            From: Odd <odd@enc.example>
            To: bob@example.com
            Subject: Unparseable date
            Date: sometime last week
            Message-ID: <baddate@enc.example>

            The Date header cannot be parsed.
            """);
        Add("reply-to-quarterly-subject-only", "()", "21-Mar-2024 09:00:00 +0000", """
            From: Jane <jane@corp.example>
            To: john.smith@corp.example
            Subject: Re: Quarterly numbers
            Date: Thu, 21 Mar 2024 09:00:00 +0000
            Message-ID: <quarterly-3@corp.example>

            Same base subject, no In-Reply-To: ORDEREDSUBJECT joins it, REFERENCES by subject (RFC 5256 section 2.2).
            """);
        Add("no-final-line-end", "()", "21-Mar-2024 10:00:00 +0000", """
            From: Ann Example <ann@sender.example>
            To: bob@example.com
            Subject: The last line has no CRLF
            Date: Thu, 21 Mar 2024 10:00:00 +0000
            Message-ID: <nocrlf@sender.example>

            first line
            last line without a line end
            """, finalLineEnd: false);
        Add("big-text", "()", "22-Mar-2024 10:00:00 +0000", "From: Big <big@size.example>\nTo: bob@example.com\nSubject: A larger message\nDate: Fri, 22 Mar 2024 10:00:00 +0000\nMessage-ID: <big@size.example>\n\n" + string.Concat(Enumerable.Range(0, 400).Select(i => $"Line {i:D4} of a larger body, to test partial fetches and LARGER.\n")));

        // Variations of one template: names, zones, charsets and dates in combinations real senders use.
        string[] zones = ["+0000", "-0000", "+0100", "-0330", "+1245", "-1200", "+1400", "EST", "CST", "MDT", "PST", "GMT"];
        string[] names = ["Anna Lindqvist", "=?UTF-8?B?0JDQvdC90LA=?=", "\"O'Brien, Pat\"", "=?iso-8859-2?Q?Pawe=B3?=", "li.wei", "Márta"];
        string[] subjects = ["Weekly sync", "Re: Weekly sync", "Re[2]: Weekly sync", "Fwd: Weekly sync", "AW: Weekly sync", "[team] Weekly sync", "Weekly sync (fwd)", "=?UTF-8?Q?Weekly_sync_=E2=9C=93?=", "Weekly  sync", "re: weekly SYNC", "Fw: Re: Weekly sync", "Budget"];
        for (var i = 0; i < 12; i++)
        {
            var day = 1 + i * 2;
            var zone = zones[i];
            var name = names[i % names.Length];
            var subject = subjects[i];
            var references = i == 0 ? string.Empty : $"In-Reply-To: <sync-{i - 1}@team.example>\nReferences: <sync-0@team.example>{(i > 1 ? $" <sync-{i - 1}@team.example>" : string.Empty)}\n";
            var flags = (i % 4) switch { 0 => @"(\Seen)", 1 => @"(\Answered $Label1)", 2 => "()", _ => @"(\Seen \Flagged Project)" };
            var internalDate = new DateTimeOffset(2024, 4, day, 8 + i, 30, 0, TimeSpan.FromHours(i % 3 - 1)).ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + (i % 3 - 1 < 0 ? "-0100" : i % 3 - 1 == 0 ? "+0000" : "+0100");
            var charset = (i % 3) switch { 0 => "; charset=utf-8", 1 => "; charset=\"ISO-8859-1\"", _ => string.Empty };
            Add($"variant-{i:D2}", flags, internalDate,
                $"From: {name} <sender{i}@team.example>\nTo: member{i}@example.com{(i % 2 == 0 ? $", Second <second{i}@example.com>" : string.Empty)}\n{(i % 3 == 0 ? $"Cc: cc{i}@team.example\n" : string.Empty)}Subject: {subject}\nDate: {(i % 2 == 0 ? "Mon, " : string.Empty)}{day:D2} Apr 2024 {7 + i:D2}:{i * 4:D2}:00 {zone}\nMessage-ID: <sync-{i}@team.example>\n{references}Content-Type: text/plain{charset}\n\nVariant {i} body mentions {(i % 2 == 0 ? "budget" : "schedule")} and number {i * 37}.\n");
        }

        // Replace the placeholder body of the Latin-1 message with real 8-bit ISO-8859-1 octets.
        var latin = messages.FindIndex(m => m.Name == "latin1-8bit-body");
        messages[latin] = messages[latin] with { Octets = messages[latin].Octets.Replace("placeholder", "Fran\u00e7ais: \u00e9t\u00e9, na\u00efve, \u00e0 bient\u00f4t.", StringComparison.Ordinal) };
        return messages;
    }
}
