export { displayChannel } from './display-channel.js';
