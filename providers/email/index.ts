export * from './types';
export { createSmtpProvider } from './smtp';
