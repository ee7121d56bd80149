import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_RULE, type AccessRule } from '../../src/auth/access.decorator';

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  /** The rule the route declares; undefined when it declares none. */
  rule: AccessRule | undefined;
}

/** Every route the running app serves, read from its controllers, with the access rule each declares. */
export function routesOf(app: INestApplication): Route[] {
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const controller of module.controllers.values()) {
      const type = controller.metatype as unknown as { prototype: Record<string, unknown> } | null;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] as Route['method'];
        const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, type)) as AccessRule | undefined;
        routes.push({ method, path: `/${[base, path].filter((part) => part && part !== '/').join('/')}`, rule });
      }
    }
  }
  return routes;
}

/** A rule in a few words, as the route table lists it. */
export function describeRule(rule: AccessRule | undefined): string {
  if (!rule) return 'NONE';
  switch (rule.kind) {
    case 'tenant':
      return `tenant:${rule.permission}${rule.orMachine ? '+machine' : ''}`;
    case 'operator':
      return rule.tenant ? 'operator:tenant' : 'operator';
    case 'partner':
      return `partner:${rule.permission ?? 'operator'}`;
    case 'machine':
      return rule.orOperator ? 'machine+operator' : 'machine';
    default:
      return rule.kind;
  }
}
