using System.Net;
using System.Net.Sockets;
using HostedMail.Dns;

namespace HostedMail.MailAuth.Spf;

/// <summary>Evaluates SPF policies (RFC 7208 check_host()) over an <see cref="IDnsResolver"/>; never throws for bad DNS data.</summary>
public sealed class SpfVerifier(IDnsResolver resolver, SpfOptions? options = null, TimeProvider? timeProvider = null)
{
    // Implementation notes:
    // - The whole record is parsed before any mechanism runs, so a syntax error anywhere is a permerror
    //   even when an earlier mechanism would match (RFC 7208 section 4.6).
    // - Lookup and void-lookup counters live in one Evaluation shared by include and redirect recursion.
    // - Abort carries temperror/permerror out of deep recursion; it never leaves this class.
    private readonly SpfOptions _options = options ?? new SpfOptions();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Checks the MAIL FROM identity; with a null sender (bounce) it checks postmaster@HELO (RFC 7208 section 2.4).</summary>
    public Task<SpfResult> VerifyMailFromAsync(IPAddress ip, string mailFrom, string helo, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(mailFrom))
        {
            return CheckHostAsync(ip, helo, "postmaster@" + helo, helo, cancellationToken);
        }

        var at = mailFrom.LastIndexOf('@');
        return CheckHostAsync(ip, at >= 0 ? mailFrom[(at + 1)..] : mailFrom, mailFrom, helo, cancellationToken);
    }

    /// <summary>Checks the HELO identity (RFC 7208 section 2.3).</summary>
    public Task<SpfResult> VerifyHeloAsync(IPAddress ip, string helo, CancellationToken cancellationToken = default) =>
        CheckHostAsync(ip, helo, "postmaster@" + helo, helo, cancellationToken);

    /// <summary>The check_host() function of RFC 7208 section 4.</summary>
    /// <param name="ip">The SMTP client's address; IPv4-mapped IPv6 is treated as IPv4.</param>
    /// <param name="domain">The domain whose policy is checked.</param>
    /// <param name="sender">The MAIL FROM address, or postmaster@helo.</param>
    /// <param name="helo">The HELO/EHLO name.</param>
    /// <param name="cancellationToken">Cancels DNS work.</param>
    public async Task<SpfResult> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken cancellationToken = default)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        sender ??= string.Empty;
        var at = sender.LastIndexOf('@');
        var local = at > 0 ? sender[..at] : "postmaster";
        var senderDomain = at >= 0 ? sender[(at + 1)..] : domain;
        var evaluation = new Evaluation(ip, local + "@" + senderDomain, local, senderDomain, helo ?? string.Empty, cancellationToken)
        {
            MaxLookups = _options.MaxDnsLookups,
        };
        SpfResult result;
        try
        {
            result = await CheckAsync(evaluation, domain ?? string.Empty, topLevel: true).ConfigureAwait(false);
        }
        catch (AbortException abort)
        {
            result = new SpfResult(abort.Status, abort.Message) { Domain = domain ?? string.Empty };
        }

        return result with { DnsLookups = evaluation.Lookups };
    }

    private async Task<SpfResult> CheckAsync(Evaluation e, string domain, bool topLevel)
    {
        domain = domain.TrimEnd('.');
        if (!IsValidDomain(domain))
        {
            // Section 4.3: a malformed or single-label domain gives "none".
            return new SpfResult(AuthStatus.None, $"'{domain}' is not a valid domain") { Domain = domain };
        }

        var answer = await resolver.QueryAsync(domain, DnsRecordType.TXT, e.Cancellation).ConfigureAwait(false);
        if (answer.IsTransientError)
        {
            return new SpfResult(AuthStatus.TempError, $"DNS {answer.Status} looking up TXT of {domain}") { Domain = domain };
        }

        var spf = answer.RecordsOf<TxtRecord>().Select(r => r.Text).Where(SpfRecordParser.IsSpfRecord).ToList();
        if (spf.Count == 0)
        {
            return new SpfResult(AuthStatus.None, $"no SPF record at {domain}") { Domain = domain };
        }

        if (spf.Count > 1)
        {
            // Section 4.5: more than one record is a permerror.
            return new SpfResult(AuthStatus.PermError, $"{spf.Count} SPF records at {domain}") { Domain = domain };
        }

        if (!SpfRecordParser.TryParse(spf[0], out var record, out var error))
        {
            return new SpfResult(AuthStatus.PermError, $"syntax error in SPF record of {domain}: {error}") { Domain = domain };
        }

        var context = e.Context(domain, _options.ReceivingHost, _time.GetUtcNow().ToUnixTimeSeconds(), () => ValidatedNameAsync(e, domain));
        foreach (var directive in record.Directives)
        {
            if (await MatchesAsync(e, directive, context).ConfigureAwait(false))
            {
                var result = new SpfResult(directive.Qualifier, $"matched {directive.Text} in the record of {domain}") { Domain = domain, Mechanism = directive.Text };
                if (directive.Qualifier == AuthStatus.Fail && topLevel)
                {
                    result = result with { Explanation = await ExplainAsync(e, record, context).ConfigureAwait(false) };
                }

                return result;
            }
        }

        if (record.Redirect is not null)
        {
            e.CountLookup();
            var target = await SpfMacro.ExpandAsync(record.Redirect, context, explanation: false).ConfigureAwait(false);
            var redirected = await CheckAsync(e, TruncateName(target ?? string.Empty), topLevel).ConfigureAwait(false);
            if (redirected.Status == AuthStatus.None)
            {
                // Section 6.1: a redirect target without an SPF record is a permerror.
                return new SpfResult(AuthStatus.PermError, $"redirect target {target} has no SPF record") { Domain = domain };
            }

            return redirected;
        }

        // Section 4.7: no match and no redirect gives neutral.
        return new SpfResult(AuthStatus.Neutral, $"no mechanism matched in the record of {domain}") { Domain = domain };
    }

    private async Task<bool> MatchesAsync(Evaluation e, SpfDirective directive, SpfMacroContext context)
    {
        switch (directive.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                return InNetwork(e.Ip, directive.Network!, directive.Kind == SpfMechanismKind.Ip4 ? directive.Cidr4 : directive.Cidr6);
            case SpfMechanismKind.Include:
            {
                e.CountLookup();
                var target = await TargetAsync(directive, context).ConfigureAwait(false);
                var included = await CheckAsync(e, target, topLevel: false).ConfigureAwait(false);
                // Section 5.2 table.
                return included.Status switch
                {
                    AuthStatus.Pass => true,
                    AuthStatus.Fail or AuthStatus.SoftFail or AuthStatus.Neutral => false,
                    AuthStatus.TempError => throw new AbortException(AuthStatus.TempError, $"include:{target}: {included.Reason}"),
                    _ => throw new AbortException(AuthStatus.PermError, $"include:{target}: {included.Reason}"),
                };
            }

            case SpfMechanismKind.A:
            {
                e.CountLookup();
                var target = await TargetAsync(directive, context).ConfigureAwait(false);
                var addresses = await AddressesAsync(e, target, countVoid: true).ConfigureAwait(false);
                return addresses.Any(a => InNetwork(e.Ip, a, Cidr(e.Ip, directive)));
            }

            case SpfMechanismKind.Mx:
            {
                e.CountLookup();
                var target = await TargetAsync(directive, context).ConfigureAwait(false);
                var answer = await resolver.QueryAsync(target, DnsRecordType.MX, e.Cancellation).ConfigureAwait(false);
                CheckAnswer(e, answer, countVoid: true);
                var exchanges = answer.RecordsOf<MxRecord>().ToList();
                if (exchanges.Count > _options.MaxNamesPerMechanism)
                {
                    throw new AbortException(AuthStatus.PermError, $"mx:{target} has more than {_options.MaxNamesPerMechanism} MX records");
                }

                foreach (var mx in exchanges)
                {
                    var addresses = await AddressesAsync(e, mx.Exchange, countVoid: false).ConfigureAwait(false);
                    if (addresses.Any(a => InNetwork(e.Ip, a, Cidr(e.Ip, directive))))
                    {
                        return true;
                    }
                }

                return false;
            }

            case SpfMechanismKind.Ptr:
            {
                e.CountLookup();
                var target = await TargetAsync(directive, context).ConfigureAwait(false);
                var names = await ValidatedNamesAsync(e).ConfigureAwait(false);
                return names.Any(n => IsSameOrSubdomain(n, target));
            }

            case SpfMechanismKind.Exists:
            {
                e.CountLookup();
                var target = await TargetAsync(directive, context).ConfigureAwait(false);
                // Section 5.7: always an A query, whatever the client's address family.
                var answer = await resolver.QueryAsync(target, DnsRecordType.A, e.Cancellation).ConfigureAwait(false);
                CheckAnswer(e, answer, countVoid: true);
                return answer.Status == DnsStatus.Success;
            }

            default:
                return false;
        }
    }

    private static int Cidr(IPAddress ip, SpfDirective directive) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? directive.Cidr4 : directive.Cidr6;

    private static async Task<string> TargetAsync(SpfDirective directive, SpfMacroContext context)
    {
        if (directive.DomainSpec is null)
        {
            return context.Domain;
        }

        var expanded = await SpfMacro.ExpandAsync(directive.DomainSpec, context, explanation: false).ConfigureAwait(false)
            ?? throw new AbortException(AuthStatus.PermError, $"bad macro in {directive.Text}");
        return TruncateName(expanded);
    }

    /// <summary>Section 7.3: an expansion over 253 characters loses labels from the left until it fits.</summary>
    private static string TruncateName(string name)
    {
        name = name.TrimEnd('.');
        while (name.Length > 253)
        {
            var dot = name.IndexOf('.');
            name = dot < 0 ? string.Empty : name[(dot + 1)..];
        }

        return name;
    }

    private void CheckAnswer(Evaluation e, DnsAnswer answer, bool countVoid)
    {
        if (answer.IsTransientError)
        {
            throw new AbortException(AuthStatus.TempError, $"DNS {answer.Status} looking up {answer.Type} of {answer.Name}");
        }

        if (countVoid && answer.IsNegative && ++e.VoidLookups > _options.MaxVoidLookups)
        {
            throw new AbortException(AuthStatus.PermError, $"more than {_options.MaxVoidLookups} void DNS lookups");
        }
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(Evaluation e, string name, bool countVoid)
    {
        var type = e.Ip.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
        var answer = await resolver.QueryAsync(name, type, e.Cancellation).ConfigureAwait(false);
        CheckAnswer(e, answer, countVoid);
        return answer.RecordsOf<AddressRecord>().Select(r => r.Address).ToList();
    }

    /// <summary>PTR names of the client whose forward lookup leads back to it (section 5.5); errors give no names.</summary>
    private async Task<IReadOnlyList<string>> ValidatedNamesAsync(Evaluation e)
    {
        if (e.ValidatedNames is not null)
        {
            return e.ValidatedNames;
        }

        var validated = new List<string>();
        var (answer, names) = await resolver.QueryPtrAsync(e.Ip, e.Cancellation).ConfigureAwait(false);
        if (answer.Status == DnsStatus.Success)
        {
            var type = e.Ip.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
            foreach (var name in names.Take(_options.MaxNamesPerMechanism))
            {
                var forward = await resolver.QueryAsync(name, type, e.Cancellation).ConfigureAwait(false);
                if (forward.RecordsOf<AddressRecord>().Any(r => r.Address.Equals(e.Ip)))
                {
                    validated.Add(name.TrimEnd('.'));
                }
            }
        }

        e.ValidatedNames = validated;
        return validated;
    }

    /// <summary>The %{p} macro: a validated name, preferring one at or under the current domain (section 7.3).</summary>
    private async Task<string> ValidatedNameAsync(Evaluation e, string domain)
    {
        var names = await ValidatedNamesAsync(e).ConfigureAwait(false);
        return names.FirstOrDefault(n => IsSameOrSubdomain(n, domain)) ?? (names.Count > 0 ? names[0] : "unknown");
    }

    private async Task<string> ExplainAsync(Evaluation e, SpfRecord record, SpfMacroContext context)
    {
        var fallback = await SpfMacro.ExpandAsync(_options.DefaultExplanation, context, explanation: true).ConfigureAwait(false) ?? string.Empty;
        if (record.Explanation is null)
        {
            return fallback;
        }

        // Section 6.2: any trouble fetching or expanding the explanation means it is not used; never an error.
        var target = await SpfMacro.ExpandAsync(record.Explanation, context, explanation: false).ConfigureAwait(false);
        if (string.IsNullOrEmpty(target))
        {
            return fallback;
        }

        var answer = await resolver.QueryAsync(TruncateName(target), DnsRecordType.TXT, e.Cancellation).ConfigureAwait(false);
        var texts = answer.RecordsOf<TxtRecord>().ToList();
        if (texts.Count != 1)
        {
            return fallback;
        }

        var text = texts[0].Text;
        if (text.Any(c => c > '~'))
        {
            return fallback;
        }

        return await SpfMacro.ExpandAsync(text, context, explanation: true).ConfigureAwait(false) ?? fallback;
    }

    private static bool IsSameOrSubdomain(string name, string domain)
    {
        name = name.TrimEnd('.');
        domain = domain.TrimEnd('.');
        return name.Equals(domain, StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Section 4.3: a multi-label name of non-empty labels up to 63 octets, 253 in all, not a literal.</summary>
    internal static bool IsValidDomain(string domain)
    {
        if (domain.Length is 0 or > 253 || domain.StartsWith('[') || !domain.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return false;
            }
        }

        return true;
    }

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefix)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var a = ip.GetAddressBytes();
        var b = network.GetAddressBytes();
        var full = prefix / 8;
        for (var i = 0; i < full; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        var bits = prefix % 8;
        if (bits == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - bits));
        return (a[full] & mask) == (b[full] & mask);
    }

    private sealed class Evaluation(IPAddress ip, string sender, string localPart, string senderDomain, string helo, CancellationToken cancellation)
    {
        public IPAddress Ip { get; } = ip;
        public CancellationToken Cancellation { get; } = cancellation;
        public int Lookups { get; private set; }
        public int VoidLookups { get; set; }
        public IReadOnlyList<string>? ValidatedNames { get; set; }
        private int _maxLookups = 10;

        public int MaxLookups { set => _maxLookups = value; }

        public void CountLookup()
        {
            if (++Lookups > _maxLookups)
            {
                throw new AbortException(AuthStatus.PermError, $"more than {_maxLookups} DNS-querying terms");
            }
        }

        public SpfMacroContext Context(string domain, string receivingHost, long timestamp, Func<Task<string>> validatedName) => new()
        {
            Sender = sender,
            LocalPart = localPart,
            SenderDomain = senderDomain,
            Domain = domain,
            Ip = Ip,
            Helo = helo,
            ReceivingHost = receivingHost,
            Timestamp = timestamp,
            ValidatedName = validatedName,
        };
    }

#pragma warning disable CA1064 // Control flow inside SpfVerifier only; converted to an SpfResult before returning.
    private sealed class AbortException(AuthStatus status, string message) : Exception(message)
#pragma warning restore CA1064
    {
        public AuthStatus Status { get; } = status;
    }
}
