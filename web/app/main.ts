/** Entry of the web app bundle: defines the app's elements; index.html contains `<interview-app>`. */
import { defineInterviewRoom } from '../components/interview-room.js';
import { CopyLink } from './copy-link.js';
import { HomePage } from './home-page.js';
import { InterviewApp } from './interview-app.js';
import { RoomPage } from './room-page.js';
import { SessionPassword } from './session-password.js';

defineInterviewRoom();
customElements.define('copy-link', CopyLink);
customElements.define('home-page', HomePage);
customElements.define('room-page', RoomPage);
customElements.define('session-password', SessionPassword);
customElements.define('interview-app', InterviewApp);
