export * from './dev-idp';
export * from './ferretdb';
export * from './oauth';
export * from './database';
export * from './engine';
export * from './integration-servers';
export * from './stack';
export * from './browser';
