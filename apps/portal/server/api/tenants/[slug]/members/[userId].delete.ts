export default defineEventHandler((event) =>
  callApi<{ removed: true }>(event, `/tenants/${param(event, 'slug')}/members/${param(event, 'userId')}`, { method: 'DELETE' }),
);
