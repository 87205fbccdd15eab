using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HostedMail.Portal;

/// <summary>
/// The only strings a DTO property is ever written with. The answer is still a plain string on the
/// wire; the OpenAPI document lists the values as an <c>enum</c>, so the generated web client
/// (web/src/api/schema.d.ts) gets a string union instead of <c>string</c>. On a list of strings it
/// constrains the items.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class JsonValuesAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>Makes the OpenAPI document say exactly what the portal writes (see <see cref="Transform"/>).</summary>
internal static class OpenApiSchemas
{
    /// <summary>
    /// Two corrections of the generated schemas:
    /// <list type="bullet">
    /// <item><see cref="JsonValuesAttribute"/> becomes an <c>enum</c> (with <c>null</c> when the property is nullable).</item>
    /// <item>Numbers are numbers. The web defaults let the server <em>read</em> "42" as 42, so ASP.NET Core
    /// describes every integer as <c>integer | string</c> with a pattern; the server always writes
    /// numbers and clients send numbers, so the document says <c>integer</c>.</item>
    /// </list>
    /// </summary>
    public static Task Transform(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(JsonValuesAttribute), inherit: false) is [JsonValuesAttribute values, ..])
        {
            var target = schema.Type is { } t && (t & JsonSchemaType.Array) != 0 && schema.Items is OpenApiSchema items ? items : schema;
            var nullable = target.Type is { } targetType && (targetType & JsonSchemaType.Null) != 0;
            var allowed = new List<JsonNode>(values.Values.Select(v => (JsonNode)JsonValue.Create(v)));
            if (nullable)
            {
                // A JSON null in the enum: openapi-typescript then keeps "| null" in the union.
                allowed.Add(null!);
            }

            target.Enum = allowed;
        }

        return Task.CompletedTask;
    }
}
