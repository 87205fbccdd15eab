namespace HostedMail.MailAuth;
