export * from './people';
export * from './messaging';
