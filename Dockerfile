# Multi-stage build of one HostedMail node.
# The portal's web app (web/), served by the node from wwwroot/.
FROM node:22-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/HostedMail.Server/HostedMail.Server.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY --from=web /web/dist ./wwwroot
# Mail and HTTP ports inside the container (map them to 25/587/465/143/993/110/995/443 outside).
EXPOSE 8080 2525 5587 4465 1143 1993 1110 1995
ENV HOSTEDMAIL__HTTP__URLS=http://0.0.0.0:8080
USER app
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["dotnet", "hostedmail.dll"]
CMD ["serve"]
