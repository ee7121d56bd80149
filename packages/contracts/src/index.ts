export * from './access';
export * from './audit';
export * from './errors';
export * from './subscriptions';
export * from './tenants';
export * from './users';
export * from './flags';
export * from './partners';
