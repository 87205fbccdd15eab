using Microsoft.AspNetCore.Http;

namespace HostedMail.Portal.Endpoints;

/// <summary>
/// The one paging rule of every list endpoint: <c>?offset=</c> (from 0) and <c>?limit=</c>
/// (1 to <see cref="MaximumLimit"/>, default <see cref="DefaultLimit"/>); the answer is
/// <c>{items, total}</c> where <c>total</c> counts the whole list.
/// </summary>
internal readonly record struct Paging(int Offset, int Limit)
{
    public const int DefaultLimit = 100;
    public const int MaximumLimit = 1000;

    /// <summary>The paging asked for, or a 400 problem naming the bad parameter.</summary>
    public static bool TryCreate(int? offset, int? limit, out Paging paging, out IResult? problem)
    {
        paging = new Paging(offset ?? 0, limit ?? DefaultLimit);
        problem = offset is < 0 ? Problems.Validation("offset", "offset must be 0 or more")
            : limit is < 1 or > MaximumLimit ? Problems.Validation("limit", $"limit must be between 1 and {MaximumLimit}")
            : null;
        return problem is null;
    }

    public ListDto<T> Apply<T>(IReadOnlyList<T> all) => new([.. all.Skip(Offset).Take(Limit)], all.Count);

    public ListDto<TOut> Apply<TIn, TOut>(IReadOnlyList<TIn> all, Func<TIn, TOut> map) => new([.. all.Skip(Offset).Take(Limit).Select(map)], all.Count);
}
