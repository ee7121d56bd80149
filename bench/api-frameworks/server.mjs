// One server for bench/api-frameworks, in a process of its own:
// `node server.mjs node|express|fastify`. Each answers GET /health with
// {"status":"ok"} (what platform-api's /health answers, 15 bytes) and prints
// its port. The Nest apps are the smallest Nest application there is: one
// module, one controller, Nest's logger off; written without TypeScript, so
// the decorators are called as functions.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createServer } from 'node:http';

const kind = process.argv[2];
const announce = (port) => process.stdout.write(`${port}\n`);

if (kind === 'node') {
  const body = JSON.stringify({ status: 'ok' });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    else response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => announce(server.address().port));
} else if (kind === 'express' || kind === 'fastify') {
  class HealthController {
    health() {
      return { status: 'ok' };
    }
  }
  Controller()(HealthController);
  Get('health')(HealthController.prototype, 'health', Object.getOwnPropertyDescriptor(HealthController.prototype, 'health'));
  class AppModule {}
  Module({ controllers: [HealthController] })(AppModule);

  const app = kind === 'fastify' ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  announce(app.getHttpServer().address().port);
} else {
  throw new Error('usage: node server.mjs node|express|fastify');
}
