/**
 * Entry of the embed bundle (`/embed/interview-room.js`): one ES module that defines
 * `<interview-room>` and nothing else, for pages on any origin.
 */
import { defineInterviewRoom } from './components/interview-room.js';

export { InterviewRoom } from './components/interview-room.js';
export {
  RoomAccessEvent,
  RoomAuthRequiredEvent,
  RoomEndedEvent,
  RoomParticipantsEvent,
  RoomRunRequestEvent,
  RoomRunResultEvent,
  RoomStatusEvent,
} from './components/room-events.js';
export type { RoomMember } from './connection/room-members.js';
export type { Role } from '../shared/roles.js';
export type { CodeRunner, RunRequest, RunResult } from './runs/runner.js';

defineInterviewRoom();
