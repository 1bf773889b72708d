export * from './fakeHttpServer';
export * from './googleAdsFake';
export * from './metaAdsFake';
export * from './linkedinAdsFake';
export * from './sendgridFake';
export * from './slowSmtpServer';
export * from './mailgunFake';
export * from './oauthTokenEndpoint';
