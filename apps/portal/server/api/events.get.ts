/** The signed-in person's live event stream (GET /events/stream), relayed as it comes (useLiveEvents). */
export default defineEventHandler((event) => streamApi(event, '/events/stream'));
