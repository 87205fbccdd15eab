namespace HostedMail.Core.Security;

/// <summary>
/// The rules a new mailbox password must meet. Length is what matters most (NIST SP 800-63B
/// section 5.1.1.2); composition rules are not imposed, but known-weak choices are refused.
/// </summary>
public sealed class PasswordPolicy
{
    public const int MinimumLength = 10;
    public const int MaximumLength = 256;

    // A short list of the passwords most often seen in breaches, compared case-insensitively.
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "password1", "password123", "passw0rd", "123456789", "1234567890",
        "12345678910", "qwertyuiop", "qwerty1234", "qwerty123456", "1q2w3e4r5t", "iloveyou12",
        "abc1234567", "letmein123", "welcome123", "admin12345", "changeme12", "football12",
        "0123456789", "1111111111", "aaaaaaaaaa", "asdfghjkl1", "zxcvbnm123", "sunshine12",
        "princess12", "trustno1234", "monkey1234", "dragon1234", "master1234", "superman12",
    };

    /// <summary>Returns null when acceptable, else a message saying why not.</summary>
    public static string? Check(string password, string address)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(address);
        if (password.Length < MinimumLength)
        {
            return $"password is too short: at least {MinimumLength} characters are required";
        }

        if (password.Length > MaximumLength)
        {
            return $"password is too long: at most {MaximumLength} characters";
        }

        if (password.Any(char.IsControl))
        {
            return "password must not contain control characters";
        }

        if (password.Distinct().Count() < 4)
        {
            return "password is too weak: it repeats too few different characters";
        }

        if (Common.Contains(password))
        {
            return "password is too weak: it is one of the most common passwords";
        }

        var localPart = address.Split('@')[0];
        if (localPart.Length >= 3 && password.Contains(localPart, StringComparison.OrdinalIgnoreCase))
        {
            return "password is too weak: it contains the mailbox name";
        }

        return null;
    }
}
