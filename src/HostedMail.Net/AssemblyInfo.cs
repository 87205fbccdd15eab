namespace HostedMail.Net;
