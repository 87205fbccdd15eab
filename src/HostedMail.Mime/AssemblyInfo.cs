namespace HostedMail.Mime;
