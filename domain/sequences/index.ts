export * from './definition';
export * from './duration';
export * from './time';
export * from './conditions';
export * from './split';
export * from './graph';
export * from './validate';
export * from './builtins';
