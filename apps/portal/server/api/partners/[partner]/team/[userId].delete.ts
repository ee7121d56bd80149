export default defineEventHandler((event) => callApi<{ removed: true }>(event, `/partners/${param(event, 'partner')}/team/${param(event, 'userId')}`, { method: 'DELETE' }));
