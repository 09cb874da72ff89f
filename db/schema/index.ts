export * from './people';
export * from './messaging';
export * from './roster';
