/**
 * Entry of the embed bundle (`/embed/interview-room.js`): one ES module that defines
 * `<interview-room>` and nothing else, for pages on any origin.
 */
import { defineInterviewRoom } from './components/interview-room.js';

export { InterviewRoom } from './components/interview-room.js';
export { RoomParticipantsEvent, RoomRunRequestEvent, RoomRunResultEvent, RoomStatusEvent } from './components/room-events.js';
export type { CodeRunner, RunRequest, RunResult } from './run/runner.js';

defineInterviewRoom();
