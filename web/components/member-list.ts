/**
 * The participant list inside `<interview-room>` (the `participants` part): one entry per room
 * member with their colour, name (as text, never HTML), role badge and "(you)", then the count.
 * A template function, like interviewer-controls.ts: the members come from the room's connection.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { ROLE_LABELS } from '../../shared/roles.js';
import type { RoomMember } from '../connection/room-members.js';

/** The `<ul part="participants">` for `members` (local user first, as the connection orders them). */
export function memberList(members: readonly RoomMember[]): TemplateResult {
  return html`<ul part="participants" aria-label="Participants">
    ${members.map(
      (p) => html`<li title=${p.name} data-client-id=${p.clientId}>
        <span class="swatch" style=${styleMap({ background: p.color })}></span><span class="name">${p.name}</span>${p.role
          ? html`<span part="role-badge" class="role" data-role=${p.role}>${ROLE_LABELS[p.role]}</span>`
          : nothing}${p.isLocal ? html`<span class="count">&nbsp;(you)</span>` : nothing}
      </li>`,
    )}
    <span class="count">${members.length} in room</span>
  </ul>`;
}
